#include "server/commands/client_list.h"

#include "absl/strings/str_format.h"

namespace rill {

void AppendClientInfoLine(const Client& client, int64_t now_ms, std::string* out) {
  // Fields Rill does not track yet (pub/sub, MULTI) report the value an idle normal client has.
  absl::StrAppendFormat(
      out,
      "id=%u addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=N db=%d sub=0 psub=0 ssub=0 "
      "multi=-1 qbuf=%u qbuf-free=%u argv-mem=0 multi-mem=0 rbs=%u rbp=0 obl=0 oll=0 omem=%u "
      "tot-mem=%u events=r cmd=%s user=%s redir=-1 resp=%d\n",
      client.id, client.addr, client.laddr, client.fd, client.name,
      (now_ms - client.created_ms) / 1000, (now_ms - client.last_interaction_ms) / 1000,
      client.db, client.query_buffer_size, client.query_buffer_free,
      client.query_buffer_size + client.query_buffer_free, client.output_buffer_size,
      client.query_buffer_size + client.query_buffer_free + client.output_buffer_size,
      client.last_command, client.user, client.resp);
}

}  // namespace rill
