#include "persistence/function_payload.h"

#include "persistence/dump_payload.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_writer.h"

namespace rill::persistence {

std::string EncodeFunctionPayload(std::span<const std::string> codes, bool compression) {
  StringSink sink;
  RdbSaveOptions options;
  options.compression = compression;
  RdbWriter writer(&sink, options);
  for (const std::string& code : codes) writer.PutFunction(code);
  writer.FlushPending();
  std::string payload = sink.Take();
  AppendDumpFooter(&payload);
  return payload;
}

bool DecodeFunctionPayload(std::string_view payload, std::vector<std::string>* codes,
                           std::string* error) {
  if (!VerifyDumpPayload(payload)) {
    *error = "ERR DUMP payload version or checksum are wrong";
    return false;
  }
  RdbInput in(payload.substr(0, payload.size() - 10));
  std::string scratch;
  while (in.remaining() > 0) {
    uint8_t type;
    if (!in.ReadByte(&type)) {
      *error = "ERR can not read data type";
      return false;
    }
    if (type == rdb::kOpFunction) {
      *error = "ERR Pre-GA function format not supported";
      return false;
    }
    if (type != rdb::kOpFunction2) {
      *error = "ERR given type is not a function";
      return false;
    }
    RdbString code;
    if (!in.ReadString(&code, &scratch)) {
      *error = "ERR failed loading the given functions payload";
      return false;
    }
    char buf[24];
    codes->emplace_back(code.View(buf));
  }
  return true;
}

}  // namespace rill::persistence
