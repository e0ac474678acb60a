#include "tests/fuzz/dump_payload_target.h"

#include <memory>
#include <string>
#include <string_view>

#include "datastructs/hash.h"
#include "datastructs/keyspace.h"
#include "datastructs/list.h"
#include "datastructs/set.h"
#include "datastructs/stream.h"
#include "datastructs/zset.h"
#include "persistence/dump_payload.h"
#include "tests/fuzz/contract.h"

namespace rill::fuzz {
namespace {

void Check(bool ok, const char* what) { CheckContract(ok, "DUMP payload decoder", what); }

size_t SizeOf(const ds::ObjectValue& object) {
  switch (object.type()) {
    case ds::ValueType::kList:
      return static_cast<const ds::List&>(object).size();
    case ds::ValueType::kSet:
      return static_cast<const ds::Set&>(object).size();
    case ds::ValueType::kZSet:
      return static_cast<const ds::ZSet&>(object).size();
    case ds::ValueType::kHash:
      return static_cast<const ds::Hash&>(object).size();
    case ds::ValueType::kStream:
      return static_cast<const ds::Stream&>(object).length();
    default:
      return 0;
  }
}

// Decodes `payload`; on success checks the value and that it dumps and restores again.
void CheckPayload(std::string_view payload, bool verified) {
  if (!verified) return;  // RESTORE stops at the checksum
  persistence::RdbLoadOptions options;
  persistence::DumpValue value;
  std::string error;
  if (!persistence::LoadDumpPayload(payload, options, &value, &error)) {
    Check(!error.empty(), "a refusal without a message");
    Check(value.object == nullptr || !value.is_string, "a refusal left a value");
    return;
  }
  Check(value.is_string != (value.object != nullptr), "neither a string nor a container");
  const bool is_string = value.is_string;
  const size_t size = is_string ? 0 : SizeOf(*value.object);
  if (!is_string) {
    Check(size > 0 || value.object->type() == ds::ValueType::kStream, "an empty container");
  }

  ds::Database db;
  ds::Entry* entry;
  if (!is_string) {
    entry = db.SetObject("k", std::move(value.object));
  } else if (value.is_int) {
    entry = db.SetInt("k", value.int_value);
  } else {
    entry = db.SetString("k", value.bytes);
  }
  const std::string again = persistence::CreateDumpPayload(*entry, persistence::RdbSaveOptions{});
  Check(persistence::VerifyDumpPayload(again), "DUMP made a payload that does not verify");
  persistence::DumpValue restored;
  Check(persistence::LoadDumpPayload(again, options, &restored, &error),
        "DUMP made a payload that does not restore");
  Check(restored.is_string == is_string, "the type changed through DUMP");
  if (is_string) {
    char scratch[24];
    const std::string_view before = entry->StringView(scratch);
    const std::string after = restored.is_int ? std::to_string(restored.int_value) : restored.bytes;
    Check(before == after, "a string changed through DUMP");
  } else {
    Check(restored.object->type() == entry->type(), "the container type changed through DUMP");
    Check(SizeOf(*restored.object) == size, "the size changed through DUMP");
  }
}

}  // namespace

void RunDumpPayloadInput(const uint8_t* data, size_t size) {
  if (size == 0) return;
  std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    CheckPayload(rest, persistence::VerifyDumpPayload(rest));
    return;
  }
  persistence::AppendDumpFooter(&rest);
  Check(persistence::VerifyDumpPayload(rest), "a right footer was refused");
  CheckPayload(rest, true);
}

}  // namespace rill::fuzz
