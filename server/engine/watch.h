// WATCHed keys: which clients watch which (db, key), so that any write to a key makes the
// transactions of its watchers fail at EXEC (optimistic locking, as Redis).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/string_util.h"

namespace rill {

struct Client;
namespace ds {
class Database;
}

class WatchRegistry {
 public:
  void Watch(Client& client, int db, std::string_view key);
  // Forgets all keys of the client (EXEC, DISCARD, UNWATCH, RESET, disconnect).
  void UnwatchAll(Client& client);
  // A write to `key`: every watcher's transaction will fail.
  void Touch(int db, std::string_view key);
  // FLUSHDB/FLUSHALL/SWAPDB: touches the watched keys of `db` that exist in `a` or `b` (the
  // databases about to be emptied or exchanged), as Redis's touchAllWatchedKeysInDb.
  void TouchExisting(int db, const ds::Database& a, const ds::Database* b);
  bool empty() const { return by_db_.empty(); }

 private:
  // db -> key -> watching clients.
  std::vector<StringMap<std::vector<Client*>>> by_db_;
};

}  // namespace rill
