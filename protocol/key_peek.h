// PeekFirstKeys: a look ahead over the commands waiting in a read buffer, for prefetching.
//
// A pipeline of GETs spends most of its time waiting for memory: each lookup's key block is a
// cache miss. The connection peeks at the next commands' first keys before running them, so
// that the keyspace can start fetching their blocks while the first ones run (see
// ds::Database::PrefetchKeys). This is only a hint: it validates nothing beyond staying inside
// `data`, and the real parser still reads every command.
#pragma once

#include <cstddef>
#include <string_view>

namespace rill::protocol {

struct PeekedKeys {
  static constexpr size_t kMax = 16;  // commands looked at
  // The second element of each complete multibulk command that has one (the first key of most
  // commands; PING and the like have none): `count` keys from `commands` commands.
  std::string_view keys[kMax];
  size_t count = 0;
  size_t commands = 0;
  // Bytes of `data` the seen commands cover.
  size_t end = 0;
};

// Looks at up to PeekedKeys::kMax complete multibulk commands at the start of `data`; stops
// early at an incomplete, inline or malformed one.
PeekedKeys PeekFirstKeys(std::string_view data);

}  // namespace rill::protocol
