#include "persistence/dump_payload.h"

#include "datastructs/keyspace.h"
#include "persistence/crc64.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_load_types.h"

namespace rill::persistence {
namespace {

constexpr size_t kFooterSize = 10;  // 2 bytes of version, 8 of CRC64

void AppendLittleEndian(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t ReadLittleEndian(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    v |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  }
  return v;
}

}  // namespace

std::string CreateDumpPayload(const ds::Entry& entry, const RdbSaveOptions& options) {
  RdbSaveOptions value_options;
  value_options.compression = options.compression;
  value_options.list_max_listpack_size = options.list_max_listpack_size;
  StringSink sink;
  {
    RdbWriter writer(&sink, value_options);
    writer.PutValue(entry);
    writer.FlushPending();  // a StringSink does not fail
  }
  std::string payload = sink.Take();
  AppendDumpFooter(&payload);
  return payload;
}

void AppendDumpFooter(std::string* payload) {
  AppendLittleEndian(rdb::kVersion, 2, payload);
  AppendLittleEndian(Crc64(0, *payload), 8, payload);
}

bool VerifyDumpPayload(std::string_view payload) {
  if (payload.size() < kFooterSize) return false;
  const std::string_view footer = payload.substr(payload.size() - kFooterSize);
  if (ReadLittleEndian(footer.substr(0, 2)) > rdb::kVersion) return false;
  return Crc64(0, payload.substr(0, payload.size() - 8)) == ReadLittleEndian(footer.substr(2));
}

bool LoadDumpPayload(std::string_view payload, const RdbLoadOptions& options, DumpValue* value,
                     std::string* error) {
  RdbInput in(payload);
  uint8_t type;
  std::string scratch;
  if (!in.ReadByte(&type)) {
    *error = in.error();
    return false;
  }
  *value = DumpValue{};
  if (type == rdb::kTypeString) {
    RdbString s;
    if (!in.ReadString(&s, &scratch)) {
      *error = in.error();
      return false;
    }
    value->is_string = true;
    value->is_int = s.is_int;
    value->int_value = s.int_value;
    if (!s.is_int) value->bytes = std::string(s.bytes);
    return true;
  }
  bool empty = false;
  value->object = LoadObject(in, type, options, &scratch, &empty);
  if (value->object == nullptr) {
    *error = in.error();
    return false;
  }
  if (empty) {
    *error = "an empty container";
    value->object.reset();
    return false;
  }
  return true;
}

}  // namespace rill::persistence
