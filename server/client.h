// Per-connection state that commands read and change (selected db, protocol version, name...).
// Owned by the Connection; the Engine keeps a registry of all live clients for CLIENT LIST etc.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace rill {

struct Client {
  uint64_t id = 0;
  std::string name;
  std::string addr;   // "ip:port" of the peer
  std::string laddr;  // "ip:port" of the local side
  int fd = -1;
  int db = 0;
  int resp = 2;
  bool authenticated = false;
  std::string user = "default";
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string last_command = "NULL";
  // Sizes the connection reports for CLIENT LIST / INFO clients.
  size_t query_buffer_size = 0;
  size_t query_buffer_free = 0;
  size_t output_buffer_size = 0;
  uint64_t total_commands = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;

  // Set by commands: close the connection after the reply is written (QUIT, CLIENT KILL).
  bool close_after_reply = false;
  // Asks the owning connection to close now (CLIENT KILL from another client).
  std::function<void()> kill;
};

}  // namespace rill
