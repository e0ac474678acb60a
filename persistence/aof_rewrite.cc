#include "persistence/aof_rewrite.h"

#include <string>
#include <vector>

#include "common/double_format.h"
#include "datastructs/hash.h"
#include "datastructs/keyspace.h"
#include "datastructs/list.h"
#include "datastructs/set.h"
#include "datastructs/stream.h"
#include "datastructs/zset.h"
#include "persistence/aof_command.h"
#include "persistence/rdb_writer.h"

namespace rill::persistence {
namespace {

// Redis's AOF_REWRITE_ITEMS_PER_CMD.
constexpr size_t kItemsPerCommand = 64;
// Output is handed over in pieces of about this size.
constexpr size_t kFlushBytes = 64 * 1024;

class Writer {
 public:
  explicit Writer(const AofOutput& out) : out_(out) {}

  void Command(std::initializer_list<std::string_view> args) {
    AppendAofCommand(&buf_, args);
    MaybeFlush();
  }
  void Command(std::span<const std::string_view> args) {
    AppendAofCommand(&buf_, args);
    MaybeFlush();
  }
  void Raw(std::string_view bytes) { buf_.append(bytes); }
  void Select(int db) { AppendAofSelect(&buf_, db); }
  bool Finish() {
    if (ok_ && !buf_.empty()) ok_ = out_(buf_);
    buf_.clear();
    return ok_;
  }
  bool ok() const { return ok_; }

 private:
  void MaybeFlush() {
    if (buf_.size() < kFlushBytes || !ok_) return;
    ok_ = out_(buf_);
    buf_.clear();
  }

  const AofOutput& out_;
  std::string buf_;
  bool ok_ = true;
};

void WriteList(Writer& w, std::string_view key, const ds::List& list) {
  std::vector<std::string> batch;
  batch.reserve(kItemsPerCommand);
  auto flush = [&] {
    std::vector<std::string_view> args = {"RPUSH", key};
    args.insert(args.end(), batch.begin(), batch.end());
    w.Command(args);
    batch.clear();
  };
  list.ForEach([&](std::string_view value) {
    batch.emplace_back(value);
    if (batch.size() == kItemsPerCommand) flush();
  });
  if (!batch.empty()) flush();
}

// Batches of up to kItemsPerCommand items as `command key item...`, an item being one string
// (a set member) or a field/value pair (Redis counts a hash's pairs as its items).
class Batcher {
 public:
  Batcher(Writer& w, std::string_view command, std::string_view key, size_t strings_per_item)
      : w_(w), command_(command), key_(key), per_item_(strings_per_item) {
    batch_.reserve(kItemsPerCommand * per_item_);
  }
  ~Batcher() {
    if (!batch_.empty()) Flush();
  }
  // Strings are copied: an intset's members are formatted into a buffer that lives only for
  // the visit.
  void Add(std::string_view s) {
    batch_.emplace_back(s);
    if (batch_.size() == kItemsPerCommand * per_item_) Flush();
  }

 private:
  void Flush() {
    std::vector<std::string_view> args = {command_, key_};
    args.insert(args.end(), batch_.begin(), batch_.end());
    w_.Command(args);
    batch_.clear();
  }
  Writer& w_;
  std::string_view command_, key_;
  size_t per_item_;
  std::vector<std::string> batch_;
};

void WriteStream(Writer& w, std::string_view key, const ds::Stream& stream) {
  if (stream.length() > 0) {
    ds::Stream::Iterator it(stream, ds::StreamId::Min(), ds::StreamId::Max());
    ds::StreamEntryView entry;
    std::vector<std::string_view> args;
    while (it.Next(&entry)) {
      std::string id = entry.id.ToString();
      args.assign({"XADD", key, id});
      entry.ForEachField([&](std::string_view field, std::string_view value) {
        args.push_back(field);
        args.push_back(value);
      });
      w.Command(args);
    }
  } else {
    // XADD ... MAXLEN 0 creates the key and leaves it empty.
    w.Command({"XADD", key, "MAXLEN", "0", "0-1", "x", "y"});
  }
  w.Command({"XSETID", key, stream.last_id().ToString(), "ENTRIESADDED",
             std::to_string(stream.entries_added()), "MAXDELETEDID",
             stream.max_deleted_id().ToString()});
  for (const auto& [group_name, group] : stream.groups()) {
    w.Command({"XGROUP", "CREATE", key, group_name, group->last_id.ToString(), "ENTRIESREAD",
               std::to_string(group->entries_read)});
    for (const auto& [consumer_name, consumer] : group->consumers()) {
      if (consumer->pending.empty()) {
        w.Command({"XGROUP", "CREATECONSUMER", key, group_name, consumer_name});
        continue;
      }
      for (ds::StreamId id : consumer->pending) {
        const ds::PendingEntry& pending = group->pending().at(id);
        w.Command({"XCLAIM", key, group_name, consumer_name, "0", id.ToString(), "TIME",
                   std::to_string(pending.delivery_time), "RETRYCOUNT",
                   std::to_string(pending.delivery_count), "JUSTID", "FORCE"});
      }
    }
  }
}

}  // namespace

bool WriteAofRewrite(std::span<ds::Database* const> databases, const AofRewriteOptions& options,
                     const AofOutput& out) {
  Writer w(out);
  if (options.timestamp_annotation) {
    w.Raw("#TS:" + std::to_string(options.now_unix_seconds) + "\r\n");
  }
  for (const std::string& code : options.functions) w.Command({"FUNCTION", "LOAD", code});
  uint64_t keys = 0;
  for (size_t db = 0; db < databases.size() && w.ok(); ++db) {
    const ds::Database& database = *databases[db];
    if (database.size() == 0) continue;
    w.Select(static_cast<int>(db));
    database.ForEach([&](const ds::Entry& entry) {
      if (!w.ok()) return;
      const std::string_view key = entry.key();
      switch (entry.type()) {
        case ds::ValueType::kString: {
          char scratch[24];
          w.Command({"SET", key, entry.StringView(scratch)});
          break;
        }
        case ds::ValueType::kList:
          WriteList(w, key, *static_cast<const ds::List*>(entry.object()));
          break;
        case ds::ValueType::kStream:
          WriteStream(w, key, *static_cast<const ds::Stream*>(entry.object()));
          break;
        case ds::ValueType::kZSet: {
          // Scores as "%.17g" (exact for every double), as Redis's rioWriteBulkDouble.
          Batcher b(w, "ZADD", key, 2);
          char buf[kDouble17Max];
          static_cast<const ds::ZSet*>(entry.object())
              ->ForEach([&](double score, std::string_view member) {
                b.Add(std::string_view(buf, FormatDouble17(buf, score)));
                b.Add(member);
              });
          break;
        }
        case ds::ValueType::kHash: {
          Batcher b(w, "HMSET", key, 2);
          static_cast<const ds::Hash*>(entry.object())
              ->ForEach([&b](std::string_view field, std::string_view value) {
                b.Add(field);
                b.Add(value);
              });
          break;
        }
        case ds::ValueType::kSet: {
          Batcher b(w, "SADD", key, 1);
          static_cast<const ds::Set*>(entry.object())->ForEach([&b](std::string_view m) {
            b.Add(m);
          });
          break;
        }
        default:
          break;  // Rill has no other types yet
      }
      if (entry.has_expire()) w.Command({"PEXPIREAT", key, std::to_string(entry.expire_ms())});
      if (options.key_save_delay_us != 0) KeySaveDelay(options.key_save_delay_us);
      if ((keys++ % RdbSaveOptions::kProgressInterval) == 0 && options.progress) {
        options.progress(keys);
      }
    });
  }
  return w.Finish();
}

}  // namespace rill::persistence
