// RDB loader: lists (all four encodings) and streams (listpacks 1-3), and the dispatch over every
// container type.
#include "persistence/rdb_load_types.h"

#include <algorithm>
#include <array>
#include <vector>

#include "absl/strings/str_cat.h"
#include "persistence/listpack.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_load_hash_set.h"
#include "persistence/rdb_zset.h"

namespace rill::persistence {
namespace {

// Pushes every element of a listpack or ziplist blob; false (problem recorded) if it is bad.
template <typename Reader>
bool PushPacked(RdbInput& in, std::string_view blob, size_t offset, ds::List* list) {
  Reader reader(blob);
  PackedElement e;
  char buf[24];
  while (reader.Next(&e)) list->PushBack(e.AsString(buf));
  if (!reader.ok()) return in.Fail(absl::StrCat("bad list node: ", reader.error()), offset);
  return true;
}

}  // namespace

std::unique_ptr<ds::List> LoadList(RdbInput& in, uint8_t type, const RdbLoadOptions& options,
                                   std::string* scratch) {
  auto list = std::make_unique<ds::List>(options.list_limits);
  RdbString s;
  char buf[24];
  if (type == rdb::kTypeList) {
    uint64_t n;
    if (!in.ReadCount(&n, 1)) return nullptr;
    for (uint64_t i = 0; i < n; ++i) {
      if (!in.ReadString(&s, scratch)) return nullptr;
      list->PushBack(s.View(buf));
    }
    return list;
  }
  if (type == rdb::kTypeListZiplist) {
    const size_t at = in.pos();
    if (!in.ReadString(&s, scratch)) return nullptr;
    if (s.is_int) return in.Fail("a list ziplist stored as an integer", at), nullptr;
    if (!PushPacked<ZiplistReader>(in, s.bytes, at, list.get())) return nullptr;
    return list;
  }
  // QUICKLIST (ziplist nodes) or QUICKLIST_2 (containers).
  uint64_t nodes;
  if (!in.ReadCount(&nodes, 1)) return nullptr;
  for (uint64_t i = 0; i < nodes; ++i) {
    uint64_t container = rdb::kContainerPacked;
    const size_t at = in.pos();
    if (type == rdb::kTypeListQuicklist2) {
      if (!in.ReadLength(&container)) return nullptr;
      if (container != rdb::kContainerPacked && container != rdb::kContainerPlain) {
        return in.Fail(absl::StrCat("unknown quicklist container ", container), at), nullptr;
      }
    }
    const size_t blob_at = in.pos();
    if (!in.ReadString(&s, scratch)) return nullptr;
    if (container == rdb::kContainerPlain) {
      list->PushBack(s.View(buf));
      continue;
    }
    if (s.is_int) return in.Fail("a list node stored as an integer", blob_at), nullptr;
    const bool ok = type == rdb::kTypeListQuicklist2
                        ? PushPacked<ListpackReader>(in, s.bytes, blob_at, list.get())
                        : PushPacked<ZiplistReader>(in, s.bytes, blob_at, list.get());
    if (!ok) return nullptr;
  }
  return list;
}

// ---- streams ----

namespace {

// Decodes the listpack of one stream node into a StreamBlock with the same entries and
// tombstones. The master entry's count and deleted fields must agree with the entries.
class StreamNodeDecoder {
 public:
  StreamNodeDecoder(RdbInput& in, size_t offset) : in_(in), offset_(offset) {}

  // `after` is the greatest ID already in the stream (entries must be above it), `empty`
  // whether there is none yet. On success *block is the node (nullptr when it held only
  // tombstones) and *last the greatest ID in it.
  bool Decode(std::string_view blob, ds::StreamId master, ds::StreamId after, bool empty,
              std::unique_ptr<ds::StreamBlock>* block, ds::StreamId* last) {
    ListpackReader lp(blob);
    int64_t count = 0, deleted = 0, nfields = 0;
    if (!Int(lp, &count) || !Int(lp, &deleted) || !Int(lp, &nfields)) return false;
    if (count < 0 || deleted < 0 || nfields < 0 || static_cast<uint64_t>(nfields) > blob.size()) {
      return Bad("master entry with impossible counts");
    }
    master_fields_.clear();
    PackedElement e;
    char buf[24];
    for (int64_t i = 0; i < nfields; ++i) {
      if (!Element(lp, &e)) return false;
      master_fields_.emplace_back(e.AsString(buf));
    }
    int64_t zero;
    if (!Int(lp, &zero) || zero != 0) return Bad("master entry without its terminator");

    int64_t live = 0, dead = 0;
    while (true) {
      int64_t flags;
      if (!lp.Next(&e)) {
        if (!lp.ok()) return Bad(lp.error());
        break;
      }
      if (!e.is_int) return Bad("entry flags are not an integer");
      flags = e.int_value;
      if (flags & ~(rdb::kStreamFlagDeleted | rdb::kStreamFlagSameFields)) {
        return Bad("entry with unknown flags");
      }
      const bool same = (flags & rdb::kStreamFlagSameFields) != 0;
      int64_t ms_diff, seq_diff, n;
      if (!Int(lp, &ms_diff) || !Int(lp, &seq_diff)) return false;
      if (same) {
        n = nfields;
      } else if (!Int(lp, &n)) {
        return false;
      } else if (n < 0 || static_cast<uint64_t>(n) > blob.size() / 2) {
        return Bad("entry with an impossible field count");
      }
      const ds::StreamId id{master.ms + static_cast<uint64_t>(ms_diff),
                            master.seq + static_cast<uint64_t>(seq_diff)};
      if (!empty && id <= after) return Bad("entry IDs are not increasing");
      if (!ReadFields(lp, same, static_cast<size_t>(n))) return false;
      int64_t lp_count;
      if (!Int(lp, &lp_count)) return false;
      if (lp_count != 3 + n * (same ? 1 : 2) + (same ? 0 : 1)) {
        return Bad("entry lp-count does not match its fields");
      }
      uint32_t entry_offset;
      if (*block == nullptr) {
        *block = std::make_unique<ds::StreamBlock>(id, fv_);
        entry_offset = (*block)->first_offset();
      } else {
        entry_offset = (*block)->end_offset();
        (*block)->Append(id, fv_);
      }
      if (flags & rdb::kStreamFlagDeleted) {
        (*block)->MarkDeleted(entry_offset);
        ++dead;
      } else {
        ++live;
      }
      after = id;
      empty = false;
    }
    if (*block == nullptr) return Bad("node without entries");
    if (live != count || dead != deleted) {
      return Bad("master entry counts do not match the node's entries");
    }
    *last = after;
    if (live == 0) block->reset();  // only tombstones: Redis would have freed such a node
    return true;
  }

 private:
  bool Bad(std::string_view why) {
    return in_.Fail(absl::StrCat("bad stream node: ", absl::string_view(why.data(), why.size())),
                    offset_);
  }
  bool Element(ListpackReader& lp, PackedElement* e) {
    if (lp.Next(e)) return true;
    return Bad(lp.ok() ? "listpack ends inside an entry" : lp.error());
  }
  bool Int(ListpackReader& lp, int64_t* v) {
    PackedElement e;
    if (!Element(lp, &e)) return false;
    if (!e.is_int) return Bad("a string where an integer belongs");
    *v = e.int_value;
    return true;
  }
  // Fills fv_ with the entry's field/value pairs (integers formatted into ints_).
  bool ReadFields(ListpackReader& lp, bool same, size_t n) {
    fv_.clear();
    ints_.resize(2 * n);
    PackedElement e;
    for (size_t i = 0; i < n; ++i) {
      if (same) {
        fv_.emplace_back(master_fields_[i]);
      } else {
        if (!Element(lp, &e)) return false;
        fv_.push_back(e.AsString(ints_[2 * i].data));
      }
      if (!Element(lp, &e)) return false;
      fv_.push_back(e.AsString(ints_[2 * i + 1].data));
    }
    return true;
  }

  struct IntText {
    char data[24];
  };
  RdbInput& in_;
  size_t offset_;
  std::vector<std::string> master_fields_;
  std::vector<std::string_view> fv_;
  std::vector<IntText> ints_;
};

struct LoadedPending {
  ds::StreamId id;
  int64_t delivery_time;
  uint64_t delivery_count;
  ds::StreamConsumer* owner;
};

bool LoadGroups(RdbInput& in, uint8_t type, ds::Stream* stream, std::string* scratch) {
  uint64_t groups;
  if (!in.ReadCount(&groups, 4)) return false;
  std::vector<LoadedPending> pel;
  for (uint64_t g = 0; g < groups; ++g) {
    const size_t at = in.pos();
    RdbString name;
    char buf[24];
    ds::StreamId last;
    if (!in.ReadString(&name, scratch) || !in.ReadLength(&last.ms) || !in.ReadLength(&last.seq)) {
      return false;
    }
    const std::string group_name(name.View(buf));
    int64_t entries_read;
    if (type >= rdb::kTypeStreamListpacks2) {
      uint64_t raw;
      if (!in.ReadLength(&raw)) return false;
      entries_read = static_cast<int64_t>(raw);
    } else {
      entries_read = stream->EstimateEntriesRead(last);
    }
    ds::ConsumerGroup* group = stream->CreateGroup(group_name, last, entries_read);
    if (group == nullptr) {
      return in.Fail(absl::StrCat("duplicate consumer group ", QuoteForError(group_name)), at);
    }
    // The group PEL comes first; owners are known once the consumers follow.
    uint64_t pending;
    if (!in.ReadCount(&pending, rdb::kStreamIdSize + 8 + 1)) return false;
    pel.clear();
    pel.reserve(pending);
    for (uint64_t i = 0; i < pending; ++i) {
      LoadedPending p{};
      if (!in.ReadStreamId(&p.id) || !in.ReadMillis(&p.delivery_time) ||
          !in.ReadLength(&p.delivery_count)) {
        return false;
      }
      pel.push_back(p);
    }
    auto by_id = [](const LoadedPending& a, const LoadedPending& b) { return a.id < b.id; };
    std::sort(pel.begin(), pel.end(), by_id);
    for (size_t i = 1; i < pel.size(); ++i) {
      if (pel[i].id == pel[i - 1].id) {
        return in.Fail(absl::StrCat("duplicate pending entry ", pel[i].id.ToString(), " in group ",
                                    QuoteForError(group_name)),
                       at);
      }
    }
    uint64_t consumers;
    if (!in.ReadCount(&consumers, 1 + 8 + 1)) return false;
    for (uint64_t c = 0; c < consumers; ++c) {
      const size_t cat = in.pos();
      RdbString cname;
      int64_t seen_time, active_time;
      if (!in.ReadString(&cname, scratch) || !in.ReadMillis(&seen_time)) return false;
      if (type >= rdb::kTypeStreamListpacks3 && !in.ReadMillis(&active_time)) return false;
      const std::string consumer_name(cname.View(buf));
      ds::StreamConsumer* consumer = group->CreateConsumer(consumer_name, seen_time);
      if (consumer == nullptr) {
        return in.Fail(absl::StrCat("duplicate consumer ", QuoteForError(consumer_name)), cat);
      }
      uint64_t owned;
      if (!in.ReadCount(&owned, rdb::kStreamIdSize)) return false;
      for (uint64_t i = 0; i < owned; ++i) {
        LoadedPending key{};
        if (!in.ReadStreamId(&key.id)) return false;
        auto it = std::lower_bound(pel.begin(), pel.end(), key, by_id);
        if (it == pel.end() || it->id != key.id) {
          return in.Fail(absl::StrCat("consumer ", QuoteForError(consumer_name), " owns entry ",
                                      key.id.ToString(), " that is not in the group PEL"),
                         cat);
        }
        if (it->owner != nullptr) {
          return in.Fail(absl::StrCat("pending entry ", key.id.ToString(), " has two consumers"),
                         cat);
        }
        it->owner = consumer;
      }
    }
    for (const LoadedPending& p : pel) {
      if (p.owner == nullptr) {
        return in.Fail(absl::StrCat("pending entry ", p.id.ToString(), " of group ",
                                    QuoteForError(group_name), " has no consumer"),
                       at);
      }
      group->AddPending(p.id, p.owner, p.delivery_time).delivery_count = p.delivery_count;
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<ds::Stream> LoadStream(RdbInput& in, uint8_t type, std::string* scratch) {
  auto stream = std::make_unique<ds::Stream>();
  uint64_t nodes;
  if (!in.ReadCount(&nodes, 2)) return nullptr;
  ds::StreamId last_entry;
  bool empty = true;
  for (uint64_t i = 0; i < nodes; ++i) {
    const size_t at = in.pos();
    RdbString key, blob;
    if (!in.ReadString(&key, scratch)) return nullptr;
    if (key.is_int || key.bytes.size() != rdb::kStreamIdSize) {
      return in.Fail("stream node key is not a 16-byte ID", at), nullptr;
    }
    ds::StreamId master;
    RdbInput key_input(key.bytes);
    key_input.ReadStreamId(&master);
    const size_t blob_at = in.pos();
    if (!in.ReadString(&blob, scratch)) return nullptr;
    if (blob.is_int) return in.Fail("stream node stored as an integer", blob_at), nullptr;
    std::unique_ptr<ds::StreamBlock> block;
    StreamNodeDecoder decoder(in, blob_at);
    ds::StreamId node_last;
    if (!decoder.Decode(blob.bytes, master, last_entry, empty, &block, &node_last)) {
      return nullptr;
    }
    last_entry = node_last;
    empty = false;
    // Cannot fail: the decoder checked that its IDs are above every earlier one.
    if (block != nullptr) stream->AppendLoadedBlock(std::move(block));
  }
  const size_t meta_at = in.pos();
  uint64_t length;
  ds::StreamId last_id;
  if (!in.ReadLength(&length) || !in.ReadLength(&last_id.ms) || !in.ReadLength(&last_id.seq)) {
    return nullptr;
  }
  if (length != stream->length()) {
    return in.Fail(absl::StrCat("stream length ", length, " does not match its ", stream->length(),
                                " entries"),
                   meta_at),
           nullptr;
  }
  if (!empty && last_id < last_entry) {
    return in.Fail("stream last ID is below its last entry", meta_at), nullptr;
  }
  stream->set_last_id(last_id);
  if (type >= rdb::kTypeStreamListpacks2) {
    ds::StreamId first, max_deleted;
    uint64_t entries_added;
    if (!in.ReadLength(&first.ms) || !in.ReadLength(&first.seq) ||
        !in.ReadLength(&max_deleted.ms) || !in.ReadLength(&max_deleted.seq) ||
        !in.ReadLength(&entries_added)) {
      return nullptr;
    }
    stream->set_max_deleted_id(max_deleted);
    stream->set_entries_added(entries_added);
  } else {
    stream->set_entries_added(length);
  }
  if (!LoadGroups(in, type, stream.get(), scratch)) return nullptr;
  return stream;
}

bool IsListType(uint8_t t) {
  return t == rdb::kTypeList || t == rdb::kTypeListZiplist || t == rdb::kTypeListQuicklist ||
         t == rdb::kTypeListQuicklist2;
}

bool IsStreamType(uint8_t t) {
  return t == rdb::kTypeStreamListpacks || t == rdb::kTypeStreamListpacks2 ||
         t == rdb::kTypeStreamListpacks3;
}

std::unique_ptr<ds::ObjectValue> LoadObject(RdbInput& in, uint8_t type,
                                            const RdbLoadOptions& options, std::string* scratch,
                                            bool* empty) {
  *empty = false;
  if (IsListType(type)) {
    std::unique_ptr<ds::List> list = LoadList(in, type, options, scratch);
    if (list != nullptr) *empty = list->empty();
    return list;
  }
  if (IsZSetType(type)) {
    std::unique_ptr<ds::ZSet> zset = LoadZSet(in, type, options.zset_limits, scratch);
    if (zset != nullptr) *empty = zset->empty();
    return zset;
  }
  if (IsHashType(type)) {
    std::unique_ptr<ds::Hash> hash = LoadHash(in, type, options, scratch);
    if (hash != nullptr) *empty = hash->empty();
    return hash;
  }
  if (IsSetType(type)) {
    std::unique_ptr<ds::Set> set = LoadSet(in, type, options, scratch);
    if (set != nullptr) *empty = set->empty();
    return set;
  }
  if (IsStreamType(type)) return LoadStream(in, type, scratch);
  in.Fail(absl::StrCat("unknown RDB value type ", type));
  return nullptr;
}

}  // namespace rill::persistence
