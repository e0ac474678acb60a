#include "server/repl/replication.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/string_util.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"
#include "server/observe/log.h"
#include "server/persist/child_process.h"
#include "server/persist/rdb_persistence.h"
#include "server/repl/diskless_transfer.h"

namespace rill {
namespace {

constexpr std::string_view kZeroId = "0000000000000000000000000000000000000000";
constexpr std::string_view kPing = "*1\r\n$4\r\nPING\r\n";
constexpr std::string_view kGetAck = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";

std::string RandomId() {
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 40; ++i) s.push_back("0123456789abcdef"[rd() % 16]);
  return s;
}

// A disk-based full sync reads its file this much at a time (Redis's PROTO_IOBUF_LEN).
constexpr size_t kBulkChunk = 16 * 1024;

}  // namespace

Replication::Replication(Engine& engine) : engine_(engine), replid_(RandomId()), replid2_(kZeroId) {
  engine_.config().OnChange("repl-backlog-size", [this] {
    backlog_.Resize(static_cast<size_t>(engine_.config().Int("repl-backlog-size")));
  });
}

Replication::~Replication() {
  for (auto& [id, r] : replicas_) CloseBulk(r);
}

Replication::Replica& Replication::EntryOf(Client& client) {
  Replica& r = replicas_[client.id];
  r.client = &client;
  return r;
}

void Replication::NewReplicationId() { replid_ = RandomId(); }

void Replication::ShiftReplicationId() {
  // Redis's shiftReplicationId: our history so far stays reachable under the old ID.
  replid2_ = replid_;
  second_repl_offset_ = master_repl_offset_ + 1;
  NewReplicationId();
  Log(LogLevel::kNotice,
      "Setting secondary replication ID to %s, valid up to offset: %d. New replication ID is %s",
      replid2_, second_repl_offset_, replid_);
}

void Replication::CreateBacklogIfNeeded() {
  if (backlog_.active()) return;
  backlog_.Reset(static_cast<size_t>(engine_.config().Int("repl-backlog-size")),
                 master_repl_offset_ + 1);
  UpdateSink();
}

void Replication::UpdateSink() {
  // Only a master with a backlog takes the engine's propagation: a replica passes its master's
  // stream on verbatim, and without this sink its writes are not even encoded (the propagator
  // is idle without sinks; encoding each applied command cost a replica ~350 instructions).
  if (backlog_.active() && !is_replica()) {
    engine_.propagation().AddSink(this);
  } else {
    engine_.propagation().RemoveSink(this);
  }
}

void Replication::FeedStream(std::string_view bytes) {
  // No backlog means no replica either (the first one creates it): there is no stream yet.
  if (!backlog_.active()) return;
  master_repl_offset_ += static_cast<int64_t>(bytes.size());
  backlog_.Append(bytes);
  if (!replicas_.empty()) unsent_.append(bytes);
}

void Replication::SendUnsent() {
  const OutputBufferLimit& limit = engine_.replica_output_limit();
  const bool limited = limit.hard != 0 || limit.soft != 0;
  for (auto& [id, r] : replicas_) {
    if (r.state == ReplicaState::kOnline && !r.stream_on_ack) {
      SendTo(r, unsent_);
    } else if (r.state == ReplicaState::kWaitBgsaveEnd || r.state == ReplicaState::kSendBulk ||
               r.state == ReplicaState::kOnline) {
      r.held.append(unsent_);
    } else {
      continue;
    }
    if (limited) CheckOutputLimit(r, 0);
  }
  unsent_.clear();
  if (unsent_.capacity() > 1024 * 1024) unsent_.shrink_to_fit();
  if (!limit_victims_.empty()) CloseLimitVictims();
}

void Replication::SendTo(Replica& r, std::string_view bytes) {
  r.queued += bytes.size();
  r.client->send(bytes);
}

uint64_t Replication::PendingStream(const Replica& r) const {
  const uint64_t sent = r.client->net_output_bytes - r.sent_base;
  const uint64_t unsent = r.queued > sent ? r.queued - sent : 0;
  const uint64_t unsent_rdb = r.rdb_end > sent ? r.rdb_end - sent : 0;
  return r.held.size() + (unsent > unsent_rdb ? unsent - unsent_rdb : 0);
}

bool Replication::CheckOutputLimit(Replica& r, int64_t now_ms) {
  const OutputBufferLimit& limit = engine_.replica_output_limit();
  const uint64_t pending = PendingStream(r);
  bool over = limit.hard != 0 && pending > limit.hard;
  if (!over && limit.soft != 0 && pending > limit.soft) {
    if (now_ms == 0) now_ms = NowMs();
    if (r.soft_limit_since_ms == 0) {
      r.soft_limit_since_ms = now_ms;
    } else if (now_ms - r.soft_limit_since_ms > limit.soft_seconds * 1000) {
      over = true;
    }
  } else if (!over) {
    r.soft_limit_since_ms = 0;
  }
  if (!over) return false;
  if (std::find(limit_victims_.begin(), limit_victims_.end(), r.client) == limit_victims_.end()) {
    Log(LogLevel::kWarning,
        "Client id=%u addr=%s scheduled to be closed ASAP for overcoming of output buffer "
        "limits.",
        r.client->id, r.client->addr);
    limit_victims_.push_back(r.client);
  }
  return true;
}

void Replication::CloseLimitVictims() {
  std::vector<Client*> victims = std::move(limit_victims_);
  limit_victims_.clear();
  for (Client* c : victims) {
    if (c->kill) c->kill();
  }
}

void Replication::Feed(int db, std::string_view resp_command) {
  // A replica passes its master's stream on verbatim (MasterApplied) instead.
  if (is_replica() || !backlog_.active()) return;
  if (db != selected_db_) {
    const std::string n = std::to_string(db);
    FeedStream(absl::StrFormat("*2\r\n$6\r\nSELECT\r\n$%d\r\n%s\r\n", n.size(), n));
    selected_db_ = db;
  }
  FeedStream(resp_command);
}

void Replication::ReplConf(Client& client, const std::vector<std::string_view>& args,
                           std::string* reply) {
  FlushStream();
  if (args.size() % 2 == 0) {  // every option has its value
    *reply = "-ERR syntax error\r\n";
    return;
  }
  for (size_t j = 1; j < args.size(); j += 2) {
    const std::string_view opt = args[j];
    const std::string_view val = args[j + 1];
    if (EqualsIgnoreCase(opt, "listening-port")) {
      int64_t port;
      if (!absl::SimpleAtoi(ToAbsl(val), &port)) {
        *reply = "-ERR value is not an integer or out of range\r\n";
        return;
      }
      EntryOf(client).listening_port = static_cast<int>(port);
    } else if (EqualsIgnoreCase(opt, "ip-address")) {
      if (val.size() >= 256) {
        *reply = absl::StrFormat(
            "-ERR REPLCONF ip-address provided by replica instance is too long: %d bytes\r\n",
            val.size());
        return;
      }
      EntryOf(client).ip_address = std::string(val);
    } else if (EqualsIgnoreCase(opt, "capa")) {
      if (EqualsIgnoreCase(val, "eof")) EntryOf(client).capa_eof = true;
      if (EqualsIgnoreCase(val, "psync2")) EntryOf(client).capa_psync2 = true;
    } else if (EqualsIgnoreCase(opt, "ack") || EqualsIgnoreCase(opt, "fack")) {
      // From a replica only, never answered.
      auto it = replicas_.find(client.id);
      if (it == replicas_.end() || it->second.state == ReplicaState::kHandshake) return;
      int64_t offset;
      if (!absl::SimpleAtoi(ToAbsl(val), &offset)) return;
      if (EqualsIgnoreCase(opt, "ack")) {
        Replica& r = it->second;
        if (offset > r.ack_offset) r.ack_offset = offset;
        r.ack_time_ms = NowMs();
        if (r.state == ReplicaState::kWaitBgsaveEnd) {
          r.early_ack = true;
          // The replica loaded what a diskless child sent: the child has ended, reap it now
          // (Redis's checkChildrenDone) rather than at the next SIGCHLD turn, so that the
          // replica is online as soon as it says so.
          if (snapshot_target_ == SnapshotTarget::kSockets) {
            engine_.children().Reap();
            it = replicas_.find(client.id);
            if (it == replicas_.end()) return;
          }
        }
        Replica& now = it->second;
        if (now.state == ReplicaState::kOnline && now.stream_on_ack) StartStream(now);
      }
      ServeWaiters(NowMs());
      return;
    } else if (EqualsIgnoreCase(opt, "getack")) {
      // Only our master asks; nobody gets a reply.
      if (IsMasterClient(client)) RequestAck();
      return;
    } else if (EqualsIgnoreCase(opt, "rdb-only")) {
      int64_t v;
      if (!absl::SimpleAtoi(ToAbsl(val), &v) || (v != 0 && v != 1)) {
        *reply = "-ERR value is not an integer or out of range\r\n";
        return;
      }
    } else {
      *reply = absl::StrCat("-ERR Unrecognized REPLCONF option: ", ToAbsl(opt), "\r\n");
      return;
    }
  }
  *reply = "+OK\r\n";
}

void Replication::Sync(Client& client, bool psync, std::string_view replid,
                       std::string_view offset_text, bool pending_output, bool failover,
                       std::string* reply) {
  FlushStream();
  auto existing = replicas_.find(client.id);
  if (existing != replicas_.end() && existing->second.state != ReplicaState::kHandshake) return;
  if (failover) {
    Log(LogLevel::kWarning, "Failover request received for replid %s.", replid);
    if (!is_replica()) {
      *reply = "-ERR PSYNC FAILOVER can't be sent to a master.\r\n";
      return;
    }
    if (replid != replid_) {
      *reply = "-ERR PSYNC FAILOVER replid must match my replid.\r\n";
      return;
    }
    SetMaster("", 0, absl::StrCat("failover request from '", client.addr, "'"));
  }
  if (failover_state_ != FailoverState::kNone) {
    *reply = "-NOMASTERLINK Can't SYNC while failing over\r\n";
    return;
  }
  if (is_replica() && link_state_ != LinkState::kConnected) {
    *reply = "-NOMASTERLINK Can't SYNC while not connected with my master\r\n";
    return;
  }
  // A diskless child writes to the socket directly: nothing may be queued before it.
  if (pending_output) {
    *reply = "-ERR SYNC and PSYNC are invalid with pending output\r\n";
    return;
  }
  int64_t psync_offset = 0;
  if (psync && !absl::SimpleAtoi(ToAbsl(offset_text), &psync_offset)) {
    *reply = "-ERR value is not an integer or out of range\r\n";
    return;
  }
  Log(LogLevel::kNotice, "Replica %s asks for synchronization", client.addr);
  Replica& r = EntryOf(client);
  client.replica = true;
  if (psync) {
    const bool id_ok =
        replid == replid_ || (replid == replid2_ && psync_offset <= second_repl_offset_);
    if (id_ok && backlog_.Covers(psync_offset)) {
      r.state = ReplicaState::kOnline;
      r.ack_time_ms = NowMs();
      *reply = r.capa_psync2 ? absl::StrCat("+CONTINUE ", replid_, "\r\n") : "+CONTINUE\r\n";
      const size_t before = reply->size();
      backlog_.CopyFrom(psync_offset, reply);
      r.sent_base = client.net_output_bytes;
      r.queued = reply->size();
      ++sync_partial_ok_;
      Log(LogLevel::kNotice,
          "Partial resynchronization request from %s accepted. Sending %d bytes of backlog "
          "starting from offset %d.",
          client.addr, reply->size() - before, psync_offset);
      return;
    }
    if (replid != "?") {
      ++sync_partial_err_;
      if (!id_ok) {
        Log(LogLevel::kNotice,
            "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for "
            "'%s', my replication IDs are '%s' and '%s')",
            replid, replid_, replid2_);
      } else {
        Log(LogLevel::kNotice,
            "Unable to partial resync with replica %s for lack of backlog (Replica request was: "
            "%d).",
            client.addr, psync_offset);
      }
    } else {
      Log(LogLevel::kNotice, "Full resync requested by replica %s", client.addr);
    }
  }
  ++sync_full_;
  r.old_sync = !psync;
  r.sent_base = client.net_output_bytes;
  r.state = ReplicaState::kWaitBgsaveStart;
  // The first replica of a server without backlog starts a new history (as 7.0's syncCommand).
  if (!backlog_.active()) {
    NewReplicationId();
    replid2_ = kZeroId;
    second_repl_offset_ = -1;
    CreateBacklogIfNeeded();
  }
  // A BGSAVE to disk already running for other replicas serves this one too: it gets their
  // offset and a copy of what they hold since.
  if (engine_.children().active_type() == ChildType::kRdb &&
      snapshot_target_ != SnapshotTarget::kSockets) {
    for (auto& [id, other] : replicas_) {
      if (&other == &r || other.state != ReplicaState::kWaitBgsaveEnd) continue;
      r.state = ReplicaState::kWaitBgsaveEnd;
      r.held = other.held;
      r.sync_start_offset = other.sync_start_offset;
      if (!r.old_sync) {
        *reply = absl::StrCat("+FULLRESYNC ", replid_, " ", r.sync_start_offset, "\r\n");
        r.queued += reply->size();
      }
      Log(LogLevel::kNotice, "Waiting for end of BGSAVE for SYNC");
      return;
    }
    Log(LogLevel::kNotice,
        "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
    return;
  }
  if (snapshot_target_ == SnapshotTarget::kSockets) {
    Log(LogLevel::kNotice, "Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC");
    return;
  }
  if (engine_.config().Bool("repl-diskless-sync") && r.capa_eof &&
      engine_.config().Int("repl-diskless-sync-delay") != 0) {
    // The cron forks once the delay passed; enough replicas waiting start it now.
    Log(LogLevel::kNotice, "Delay next BGSAVE for diskless SYNC");
    StartPendingFork(NowMs());
    return;
  }
  if (!engine_.children().active()) {
    StartSnapshotForReplicas();
  } else {
    Log(LogLevel::kNotice,
        "No BGSAVE in progress, but another BG operation is active. BGSAVE for replication "
        "delayed");
  }
}

void Replication::StartPendingFork(int64_t now_ms) {
  if (engine_.children().active()) return;
  int64_t waiting = 0;
  int64_t max_idle_s = 0;
  for (const auto& [id, r] : replicas_) {
    if (r.state != ReplicaState::kWaitBgsaveStart) continue;
    ++waiting;
    max_idle_s = std::max(max_idle_s, now_ms / 1000 - r.client->last_interaction_ms / 1000);
  }
  if (waiting == 0) return;
  const Config& config = engine_.config();
  const int64_t max_replicas = config.Int("repl-diskless-sync-max-replicas");
  if (!config.Bool("repl-diskless-sync") || (max_replicas > 0 && waiting >= max_replicas) ||
      max_idle_s >= config.Int("repl-diskless-sync-delay")) {
    StartSnapshotForReplicas();
  }
}

bool Replication::StartSnapshotForReplicas() {
  FlushStream();
  bool all_eof = true;
  for (const auto& [id, r] : replicas_) {
    if (r.state == ReplicaState::kWaitBgsaveStart && !r.capa_eof) all_eof = false;
  }
  const bool sockets = all_eof && engine_.config().Bool("repl-diskless-sync");
  Log(LogLevel::kNotice, "Starting BGSAVE for SYNC with target: %s",
      sockets ? "replicas sockets" : "disk");
  if (sockets) {
    // The snapshot holds everything up to this offset; the stream after it is held per replica
    // (and a SELECT starts it).
    std::vector<DisklessTarget> targets;
    transfer_ids_.clear();
    for (auto& [id, r] : replicas_) {
      if (r.state != ReplicaState::kWaitBgsaveStart) continue;
      r.state = ReplicaState::kWaitBgsaveEnd;
      r.held.clear();
      r.early_ack = false;
      r.sync_start_offset = master_repl_offset_;
      DisklessTarget t{id, r.client->fd, std::string()};
      if (!r.old_sync) {
        t.preamble = absl::StrCat("+FULLRESYNC ", replid_, " ", master_repl_offset_, "\r\n");
      }
      targets.push_back(std::move(t));
      transfer_ids_.push_back(id);
    }
    selected_db_ = -1;
    const int64_t timeout_ms = engine_.config().Int("repl-timeout") * 1000;
    if (!StartDisklessTransfer(engine_, targets, timeout_ms,
                               [this](bool ok, const std::vector<bool>& delivered) {
                                 DisklessTransferDone(ok, delivered);
                               })) {
      Log(LogLevel::kWarning, "BGSAVE for replication failed");
      std::vector<Client*> failed;
      for (uint64_t id : transfer_ids_) failed.push_back(replicas_[id].client);
      transfer_ids_.clear();
      for (Client* c : failed) {
        if (c->kill) c->kill();
      }
      return false;
    }
    snapshot_target_ = SnapshotTarget::kSockets;
    return true;
  }
  // The snapshot holds everything up to this offset; the stream after it is held per replica.
  if (!engine_.rdb().BackgroundSave()) return false;
  snapshot_target_ = SnapshotTarget::kDisk;
  rdb_generated_by_replication_ = true;
  selected_db_ = -1;
  for (auto& [id, r] : replicas_) {
    if (r.state != ReplicaState::kWaitBgsaveStart) continue;
    r.state = ReplicaState::kWaitBgsaveEnd;
    r.held.clear();
    r.sync_start_offset = master_repl_offset_;
    if (!r.old_sync) {
      SendTo(r, absl::StrCat("+FULLRESYNC ", replid_, " ", master_repl_offset_, "\r\n"));
    }
  }
  return true;
}

void Replication::DisklessTransferDone(bool ok, const std::vector<bool>& delivered) {
  FlushStream();
  snapshot_target_ = SnapshotTarget::kNone;
  std::vector<Client*> failed;
  for (size_t i = 0; i < transfer_ids_.size(); ++i) {
    auto it = replicas_.find(transfer_ids_[i]);
    if (it == replicas_.end() || it->second.state != ReplicaState::kWaitBgsaveEnd) continue;
    Replica& r = it->second;
    if (!ok || !delivered[i]) {
      Log(LogLevel::kWarning, "SYNC failed. BGSAVE child returned an error");
      failed.push_back(r.client);
      continue;
    }
    Log(LogLevel::kNotice,
        "Streamed RDB transfer with replica %s succeeded (socket). Waiting for REPLCONF ACK from "
        "slave to enable streaming",
        ReplicaName(r));
    r.state = ReplicaState::kOnline;
    r.ack_time_ms = NowMs();
    r.stream_on_ack = true;
    Log(LogLevel::kNotice, "Synchronization with replica %s succeeded", ReplicaName(r));
    if (r.early_ack) StartStream(r);
  }
  transfer_ids_.clear();
  for (Client* c : failed) {
    if (c->kill) c->kill();
  }
  StartPendingFork(NowMs());
}

void Replication::StartStream(Replica& r) {
  r.stream_on_ack = false;
  r.early_ack = false;
  if (!r.held.empty()) SendTo(r, r.held);
  std::string().swap(r.held);
}

std::string Replication::ReplicaName(const Replica& r) const {
  return absl::StrCat(ReplicaIp(r), ":", r.listening_port);
}

void Replication::SnapshotDone(bool ok, const std::string& path) {
  FlushStream();
  const bool ours = snapshot_target_ == SnapshotTarget::kDisk;
  if (ours) {
    snapshot_target_ = SnapshotTarget::kNone;
    std::vector<Client*> failed;
    for (auto& [id, r] : replicas_) {
      if (r.state != ReplicaState::kWaitBgsaveEnd) continue;
      if (!ok) {
        Log(LogLevel::kWarning, "SYNC failed. BGSAVE child returned an error");
        failed.push_back(r.client);
      } else if (!StartBulk(r, path)) {
        failed.push_back(r.client);
      }
    }
    for (Client* c : failed) {
      if (c->kill) c->kill();
    }
  }
  StartPendingFork(NowMs());
}

bool Replication::StartBulk(Replica& r, const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    Log(LogLevel::kWarning, "SYNC failed. Can't open/stat DB after BGSAVE: %s",
        std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return false;
  }
  r.bulk_fd = fd;
  r.bulk_offset = 0;
  r.bulk_size = static_cast<uint64_t>(st.st_size);
  r.state = ReplicaState::kSendBulk;
  SendTo(r, absl::StrCat("$", r.bulk_size, "\r\n"));
  r.rdb_end = r.queued;
  // The first chunk follows once the connection took the header (and whatever preceded it).
  r.client->output_drained = [this, id = r.client->id] { SendBulkChunk(id); };
  return true;
}

void Replication::SendBulkChunk(uint64_t id) {
  auto it = replicas_.find(id);
  if (it == replicas_.end() || it->second.state != ReplicaState::kSendBulk) return;
  Replica& r = it->second;
  if (r.bulk_offset < r.bulk_size) {
    char buf[kBulkChunk];
    const size_t want =
        static_cast<size_t>(std::min<uint64_t>(kBulkChunk, r.bulk_size - r.bulk_offset));
    ssize_t n;
    do {
      n = ::pread(r.bulk_fd, buf, want, static_cast<off_t>(r.bulk_offset));
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
      Log(LogLevel::kWarning, "Read error sending DB to replica: %s",
          n < 0 ? std::strerror(errno) : "unexpected end of file");
      CloseBulk(r);
      if (r.client->kill) r.client->kill();
      return;
    }
    r.bulk_offset += static_cast<uint64_t>(n);
    SendTo(r, std::string_view(buf, static_cast<size_t>(n)));
    r.rdb_end = r.queued;
    r.client->output_drained = [this, id] { SendBulkChunk(id); };
    return;
  }
  // The whole file left: the replica is online and gets the stream it missed.
  CloseBulk(r);
  r.state = ReplicaState::kOnline;
  r.ack_time_ms = NowMs();
  Log(LogLevel::kNotice, "Synchronization with replica %s succeeded", ReplicaName(r));
  SendTo(r, r.held);
  std::string().swap(r.held);
}

void Replication::CloseBulk(Replica& r) {
  if (r.bulk_fd < 0) return;
  ::close(r.bulk_fd);
  r.bulk_fd = -1;
}

bool Replication::DeleteSyncFiles() const {
  const Config& config = engine_.config();
  return config.Bool("rdb-del-sync-files") && config.String("save").empty() &&
         !config.Bool("appendonly");
}

void Replication::RemoveRdbUsedToSyncReplicas() {
  if (!engine_.config().Bool("rdb-del-sync-files")) {
    // Not left set for a later CONFIG SET to act on an old file.
    rdb_generated_by_replication_ = false;
    return;
  }
  if (!rdb_generated_by_replication_ || !DeleteSyncFiles()) return;
  for (const auto& [id, r] : replicas_) {
    if (r.state == ReplicaState::kWaitBgsaveStart || r.state == ReplicaState::kWaitBgsaveEnd ||
        r.state == ReplicaState::kSendBulk) {
      return;
    }
  }
  const std::string file = engine_.config().String("dbfilename");
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0) return;
  rdb_generated_by_replication_ = false;
  Log(LogLevel::kNotice,
      "Removing the RDB file used to feed replicas in a persistence-less instance");
  ::unlink(file.c_str());
}

void Replication::DisconnectReplicas() {
  std::vector<Client*> victims;
  for (auto& [id, r] : replicas_) {
    if (r.state != ReplicaState::kHandshake) victims.push_back(r.client);
  }
  for (Client* c : victims) {
    if (c->kill) c->kill();
  }
}

int64_t Replication::CountAcked(int64_t offset) const {
  int64_t n = 0;
  for (const auto& [id, r] : replicas_) {
    if (r.state == ReplicaState::kOnline && r.ack_offset >= offset) ++n;
  }
  return n;
}

int64_t Replication::GoodReplicas(int64_t now_ms) const {
  const int64_t max_lag = engine_.config().Int("min-replicas-max-lag");
  int64_t n = 0;
  for (const auto& [id, r] : replicas_) {
    if (r.state == ReplicaState::kOnline && now_ms / 1000 - r.ack_time_ms / 1000 <= max_lag) ++n;
  }
  return n;
}

bool Replication::EnoughGoodReplicas() const {
  static const Config::IntParam kToWrite("min-replicas-to-write");
  static const Config::IntParam kMaxLag("min-replicas-max-lag");
  const Config& config = engine_.config();
  const int64_t needed = config.Int(kToWrite);
  if (needed == 0 || config.Int(kMaxLag) == 0 || is_replica()) return true;
  return GoodReplicas(NowMs()) >= needed;
}

bool Replication::Wait(Client& client, int64_t numreplicas, int64_t timeout_ms, int64_t* acked) {
  *acked = CountAcked(client.repl_offset);
  if (*acked >= numreplicas || client.in_exec) return true;
  waiters_.push_back(
      Waiter{&client, client.repl_offset, numreplicas, timeout_ms > 0 ? NowMs() + timeout_ms : 0});
  client.blocked = true;
  SendGetAck();
  return false;
}

void Replication::SendGetAck() {
  // One per parked WAIT (Redis sends one per event-loop turn): a few bytes more, no extra hook.
  // Not while clients are paused (as Redis): the offset must stand still for a FAILOVER.
  if (engine_.pause_type() != Engine::PauseType::kNone) return;
  FeedStream(kGetAck);
}

void Replication::ServeWaiters(int64_t now_ms) {
  if (waiters_.empty()) return;
  std::vector<Waiter> still;
  std::vector<std::pair<Client*, int64_t>> done;
  for (const Waiter& w : waiters_) {
    const int64_t acked = CountAcked(w.offset);
    if (acked >= w.numreplicas || (w.deadline_ms != 0 && now_ms >= w.deadline_ms)) {
      done.emplace_back(w.client, acked);
    } else {
      still.push_back(w);
    }
  }
  waiters_ = std::move(still);
  for (auto& [client, acked] : done) {
    client->blocked = false;
    client->send(absl::StrCat(":", acked, "\r\n"));
    if (client->resume) client->resume();
  }
}

std::string Replication::SetMaster(const std::string& host, int port, std::string_view why) {
  FlushStream();
  if (host.empty()) {
    if (!is_replica()) return "+OK\r\n";
    Log(LogLevel::kNotice, "MASTER MODE enabled (%s)", why);
    engine_.config().SetCurrentText("replicaof", "");
    master_host_.clear();
    master_port_ = 0;
    if (link_.disconnect) link_.disconnect();
    master_client_ = nullptr;
    link_state_ = LinkState::kNone;
    ShiftReplicationId();
    CreateBacklogIfNeeded();
    DisconnectReplicas();
    selected_db_ = -1;
    UpdateSink();
    engine_.ReplicaModeChanged();
    LogSetRole('M');
    return "+OK\r\n";
  }
  if (is_replica() && host == master_host_ && port == master_port_) {
    return "+OK Already connected to specified master\r\n";
  }
  const bool was_master = !is_replica();
  // Our own history is what the new master may continue (Redis's cached master "using
  // myself"); a server that never wrote anything asks for a full sync.
  if (was_master && (master_repl_offset_ > 0 || backlog_.active())) synced_once_ = true;
  if (!was_master && link_.disconnect) link_.disconnect();
  master_client_ = nullptr;
  master_host_ = host;
  master_port_ = port;
  DisconnectReplicas();
  // Clients waiting in WAIT have nobody to wait for any more.
  std::vector<Waiter> waiters = std::move(waiters_);
  waiters_.clear();
  for (const Waiter& w : waiters) {
    w.client->blocked = false;
    w.client->send(
        "-UNBLOCKED force unblock from blocking operation, instance state changed "
        "(master -> replica?)\r\n");
    if (w.client->resume) w.client->resume();
  }
  engine_.config().SetCurrentText("replicaof", absl::StrCat(host, " ", port));
  Log(LogLevel::kNotice, "Connecting to MASTER %s:%d", host, port);
  link_state_ = LinkState::kConnect;
  link_down_since_s_ = NowMs() / 1000;
  UpdateSink();
  engine_.ReplicaModeChanged();
  LogSetRole('S');
  if (link_.connect) link_.connect();
  return "+OK\r\n";
}

std::pair<std::string, int64_t> Replication::PsyncRequest() const {
  if (!synced_once_) return {"?", -1};
  return {replid_, master_repl_offset_ + 1};
}

void Replication::FullSyncDone(std::string_view replid, int64_t offset) {
  FlushStream();
  replid_ = std::string(replid);
  replid2_ = kZeroId;
  second_repl_offset_ = -1;
  master_repl_offset_ = offset;
  if (!backlog_.active()) {
    CreateBacklogIfNeeded();
  } else {
    backlog_.Reset(static_cast<size_t>(engine_.config().Int("repl-backlog-size")), offset + 1);
  }
  synced_once_ = true;
  // Our own replicas hold the old dataset: they must sync again.
  DisconnectReplicas();
}

void Replication::PartialSyncAccepted(std::string_view new_replid) {
  FlushStream();
  CreateBacklogIfNeeded();
  synced_once_ = true;
  if (!new_replid.empty() && new_replid != replid_) {
    replid2_ = replid_;
    second_repl_offset_ = master_repl_offset_ + 1;
    replid_ = std::string(new_replid);
    Log(LogLevel::kNotice, "Master replication ID changed to %s", replid_);
    DisconnectReplicas();
  }
}

void Replication::SetMasterClient(Client* client) {
  master_client_ = client;
  if (client != nullptr) {
    link_state_ = LinkState::kConnected;
    last_master_io_ms_ = NowMs();
    link_down_since_s_ = 0;
    // At once, as Redis's replica: a master that streamed the RDB (diskless) starts the
    // command stream only once it has heard an ACK.
    last_ack_sent_ms_ = last_master_io_ms_;
    client->send(AckCommand());
  }
}

void Replication::MasterApplied(std::string_view raw) {
  FeedStream(raw);
  last_master_io_ms_ = engine_.wall_clock().NowMs();  // per command: the cheap clock
  if (ack_requested_ && master_client_ != nullptr) {
    ack_requested_ = false;
    master_client_->send(AckCommand());
  }
}

std::string Replication::AckCommand() const {
  const std::string off = std::to_string(master_repl_offset_);
  return absl::StrFormat("*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$%d\r\n%s\r\n", off.size(), off);
}

void Replication::ClientGone(Client& client) {
  FlushStream();
  if (auto it = replicas_.find(client.id); it != replicas_.end()) {
    CloseBulk(it->second);
    replicas_.erase(it);
  }
  std::erase_if(waiters_, [&](const Waiter& w) { return w.client == &client; });
  if (master_client_ == &client) {
    master_client_ = nullptr;
    if (is_replica()) {
      Log(LogLevel::kNotice, "Connection with master lost.");
      link_state_ = LinkState::kConnect;
      link_down_since_s_ = NowMs() / 1000;
    }
  }
}

size_t Replication::online_replicas() const {
  size_t n = 0;
  for (const auto& [id, r] : replicas_) {
    if (r.state != ReplicaState::kHandshake) ++n;
  }
  return n;
}

void Replication::Cron(int64_t now_ms) {
  FlushStream();
  RemoveRdbUsedToSyncReplicas();
  const bool any = online_replicas() > 0;
  if (any) StartPendingFork(now_ms);
  UpdateFailoverStatus(now_ms);
  const int64_t period_ms = engine_.config().Int("repl-ping-replica-period") * 1000;
  // No PING while a FAILOVER waits for the replicas to reach the offset (as Redis).
  if (any && !is_replica() && now_ms - last_ping_ms_ >= period_ms &&
      failover_state_ == FailoverState::kNone) {
    last_ping_ms_ = now_ms;
    FeedStream(kPing);
  }
  if (any && now_ms - last_newline_ms_ >= 1000) {
    last_newline_ms_ = now_ms;
    // Replicas waiting for their snapshot hear a newline a second, so they do not time out;
    // not those a diskless child is writing to.
    for (auto& [id, r] : replicas_) {
      if (r.state == ReplicaState::kWaitBgsaveStart ||
          (r.state == ReplicaState::kWaitBgsaveEnd &&
           snapshot_target_ != SnapshotTarget::kSockets)) {
        SendTo(r, "\n");
      }
    }
  }
  const int64_t timeout_ms = engine_.config().Int("repl-timeout") * 1000;
  std::vector<Client*> timed_out;
  for (auto& [id, r] : replicas_) {
    if (r.state == ReplicaState::kOnline && r.capa_psync2 && now_ms - r.ack_time_ms > timeout_ms) {
      Log(LogLevel::kWarning, "Disconnecting timedout replica (streaming sync): %s",
          r.client->addr);
      timed_out.push_back(r.client);
    }
  }
  for (Client* c : timed_out) {
    if (c->kill) c->kill();
  }
  // A replica over its soft limit is closed once the time passed, writes or not.
  const OutputBufferLimit& limit = engine_.replica_output_limit();
  if (limit.hard != 0 || limit.soft != 0) {
    for (auto& [id, r] : replicas_) {
      if (r.state != ReplicaState::kHandshake) CheckOutputLimit(r, now_ms);
    }
    CloseLimitVictims();
  }
  ServeWaiters(now_ms);
  // repl-backlog-ttl: a master alone for that long frees its backlog and starts a new history
  // (Redis's replicationCron). A replica keeps its backlog, for its master's failover.
  if (!is_replica() && backlog_.active()) {
    if (any) {
      no_replicas_since_ms_ = 0;
    } else if (no_replicas_since_ms_ == 0) {
      no_replicas_since_ms_ = now_ms;
    } else if (const int64_t ttl = engine_.config().Int("repl-backlog-ttl");
               ttl > 0 && now_ms - no_replicas_since_ms_ > ttl * 1000) {
      NewReplicationId();
      replid2_ = kZeroId;
      second_repl_offset_ = -1;
      backlog_.Free();
      UpdateSink();
      no_replicas_since_ms_ = 0;
      Log(LogLevel::kNotice,
          "Replication backlog freed after %d seconds without connected replicas.", ttl);
    }
  }
  if (is_replica()) {
    if (master_client_ != nullptr && now_ms - last_ack_sent_ms_ >= 1000) {
      last_ack_sent_ms_ = now_ms;
      master_client_->send(AckCommand());
    }
    if (link_.cron) link_.cron();
  }
}

std::string Replication::ReplicaIp(const Replica& r) const {
  if (!r.ip_address.empty()) return r.ip_address;
  const std::string& addr = r.client->addr;
  const size_t colon = addr.rfind(':');
  return colon == std::string::npos ? addr : addr.substr(0, colon);
}

void Replication::AppendInfo(std::string* o) const {
  const int64_t now_ms = NowMs();
  if (!is_replica()) {
    o->append("role:master\r\n");
  } else {
    const bool up = link_state_ == LinkState::kConnected;
    const int64_t slave_offset =
        master_client_ != nullptr || synced_once_ ? master_repl_offset_ : 1;
    absl::StrAppendFormat(
        o,
        "role:slave\r\nmaster_host:%s\r\nmaster_port:%d\r\nmaster_link_status:%s\r\n"
        "master_last_io_seconds_ago:%d\r\nmaster_sync_in_progress:%d\r\n"
        "slave_read_repl_offset:%d\r\nslave_repl_offset:%d\r\n",
        master_host_, master_port_, up ? "up" : "down",
        master_client_ != nullptr ? (now_ms - last_master_io_ms_) / 1000 : -1,
        link_state_ == LinkState::kTransfer ? 1 : 0, slave_offset, slave_offset);
    if (link_state_ == LinkState::kTransfer) {
      const double perc = transfer_.size != 0 ? static_cast<double>(transfer_.read) /
                                                    static_cast<double>(transfer_.size) * 100
                                              : 0.0;
      absl::StrAppendFormat(o,
                            "master_sync_total_bytes:%d\r\nmaster_sync_read_bytes:%d\r\n"
                            "master_sync_left_bytes:%d\r\nmaster_sync_perc:%.2f\r\n"
                            "master_sync_last_io_seconds_ago:%d\r\n",
                            transfer_.size, transfer_.read, transfer_.size - transfer_.read, perc,
                            now_ms / 1000 - transfer_.last_io_s);
    }
    if (!up) {
      absl::StrAppendFormat(o, "master_link_down_since_seconds:%d\r\n",
                            link_down_since_s_ != 0 ? now_ms / 1000 - link_down_since_s_ : -1);
    }
    absl::StrAppendFormat(o, "slave_priority:%d\r\nslave_read_only:%d\r\nreplica_announced:%d\r\n",
                          engine_.config().Int("replica-priority"),
                          engine_.config().Bool("replica-read-only") ? 1 : 0,
                          engine_.config().Bool("replica-announced") ? 1 : 0);
  }
  absl::StrAppendFormat(o, "connected_slaves:%d\r\n", online_replicas());
  if (engine_.config().Int("min-replicas-to-write") != 0 &&
      engine_.config().Int("min-replicas-max-lag") != 0) {
    absl::StrAppendFormat(o, "min_slaves_good_slaves:%d\r\n", GoodReplicas(now_ms));
  }
  int index = 0;
  for (const auto& [id, r] : replicas_) {
    if (r.state == ReplicaState::kHandshake) continue;
    const bool online = r.state == ReplicaState::kOnline;
    const char* state = online                               ? "online"
                        : r.state == ReplicaState::kSendBulk ? "send_bulk"
                                                             : "wait_bgsave";
    absl::StrAppendFormat(o, "slave%d:ip=%s,port=%d,state=%s,offset=%d,lag=%d\r\n", index++,
                          ReplicaIp(r), r.listening_port, state, r.ack_offset,
                          online ? now_ms / 1000 - r.ack_time_ms / 1000 : 0);
  }
  const char* failover = "no-failover";
  if (failover_state_ == FailoverState::kWaitForSync) failover = "waiting-for-sync";
  if (failover_state_ == FailoverState::kInProgress) failover = "failover-in-progress";
  absl::StrAppendFormat(
      o,
      "master_failover_state:%s\r\nmaster_replid:%s\r\nmaster_replid2:%s\r\n"
      "master_repl_offset:%d\r\nsecond_repl_offset:%d\r\nrepl_backlog_active:%d\r\n"
      "repl_backlog_size:%d\r\nrepl_backlog_first_byte_offset:%d\r\nrepl_backlog_histlen:%d\r\n",
      failover, replid_, replid2_, master_repl_offset_, second_repl_offset_,
      backlog_.active() ? 1 : 0, engine_.config().Int("repl-backlog-size"),
      backlog_.first_byte_offset(), backlog_.histlen());
}

void Replication::AppendLoadingInfo(std::string* o) const {
  if (load_.state == SyncLoad::kNone) return;
  // Redis's figures: the ETA from the pace so far (1 second before there is one).
  const int64_t elapsed = NowMs() / 1000 - load_.start_s;
  const int64_t remaining = load_.total != 0 ? load_.total - load_.loaded : 1;
  const double perc =
      load_.total != 0 ? static_cast<double>(load_.loaded) / static_cast<double>(load_.total) * 100
                       : 0.0;
  const int64_t eta = elapsed == 0 ? 1 : elapsed * remaining / (load_.loaded + 1);
  absl::StrAppendFormat(o,
                        "loading_start_time:%d\r\nloading_total_bytes:%d\r\n"
                        "loading_rdb_used_mem:%d\r\nloading_loaded_bytes:%d\r\n"
                        "loading_loaded_perc:%.2f\r\nloading_eta_seconds:%d\r\n",
                        load_.start_s, load_.total, load_.rdb_used_mem, load_.loaded, perc, eta);
}

Replication::Replica* Replication::FindReplica(const std::string& host, int64_t port) {
  for (auto& [id, r] : replicas_) {
    if (r.state != ReplicaState::kHandshake && EqualsIgnoreCase(ReplicaIp(r), host) &&
        r.listening_port == port) {
      return &r;
    }
  }
  return nullptr;
}

std::string Replication::Failover(const std::string& host, int64_t port, bool force,
                                  int64_t timeout_ms) {
  if (failover_state_ != FailoverState::kNone) return "-ERR FAILOVER already in progress.\r\n";
  if (is_replica()) return "-ERR FAILOVER is not valid when server is a replica.\r\n";
  if (online_replicas() == 0) return "-ERR FAILOVER requires connected replicas.\r\n";
  if (force && (timeout_ms == 0 || host.empty())) {
    return "-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n";
  }
  if (!host.empty()) {
    const Replica* r = FindReplica(host, port);
    if (r == nullptr) return "-ERR FAILOVER target HOST and PORT is not a replica.\r\n";
    if (r->state != ReplicaState::kOnline) return "-ERR FAILOVER target replica is not online.\r\n";
    failover_host_ = host;
    failover_port_ = port;
    Log(LogLevel::kNotice, "FAILOVER requested to %s:%d.", host, port);
  } else {
    Log(LogLevel::kNotice, "FAILOVER requested to any replica.");
  }
  failover_end_ms_ = timeout_ms != 0 ? NowMs() + timeout_ms : 0;
  failover_force_ = force;
  failover_state_ = FailoverState::kWaitForSync;
  // Writes wait (and the offset stands still) until the target has everything.
  engine_.PauseClients(Engine::PausePurpose::kFailover, Engine::PauseType::kWrite,
                       std::numeric_limits<int64_t>::max());
  return "+OK\r\n";
}

std::string Replication::AbortFailoverCommand() {
  if (failover_state_ == FailoverState::kNone) return "-ERR No failover in progress.\r\n";
  AbortFailover("Failover manually aborted");
  return "+OK\r\n";
}

void Replication::ClearFailoverState() {
  failover_state_ = FailoverState::kNone;
  failover_end_ms_ = 0;
  failover_force_ = false;
  failover_host_.clear();
  failover_port_ = 0;
  engine_.UnpauseClients(Engine::PausePurpose::kFailover);
}

void Replication::AbortFailover(std::string_view why) {
  if (failover_state_ == FailoverState::kNone) return;
  if (!failover_host_.empty()) {
    Log(LogLevel::kNotice, "FAILOVER to %s:%d aborted: %s", failover_host_, failover_port_, why);
  } else {
    Log(LogLevel::kNotice, "FAILOVER to any replica aborted: %s", why);
  }
  if (failover_state_ == FailoverState::kInProgress) SetMaster("", 0);
  ClearFailoverState();
}

void Replication::FailoverPsyncAnswered(bool accepted) {
  if (failover_state_ != FailoverState::kInProgress) return;
  if (accepted) {
    ClearFailoverState();
  } else {
    AbortFailover("Failover target rejected psync request");
  }
}

void Replication::UpdateFailoverStatus(int64_t now_ms) {
  if (failover_state_ != FailoverState::kWaitForSync) return;
  if (failover_end_ms_ != 0 && failover_end_ms_ <= now_ms) {
    if (failover_force_) {
      Log(LogLevel::kNotice, "FAILOVER to %s:%d time out exceeded, failing over.", failover_host_,
          failover_port_);
      failover_state_ = FailoverState::kInProgress;
      SetMaster(failover_host_, static_cast<int>(failover_port_));
    } else {
      AbortFailover("Replica never caught up before timeout");
    }
    return;
  }
  const Replica* target = nullptr;
  if (!failover_host_.empty()) {
    target = FindReplica(failover_host_, failover_port_);
  } else {
    for (const auto& [id, r] : replicas_) {
      if (r.state == ReplicaState::kOnline && r.ack_offset == master_repl_offset_) {
        failover_host_ = ReplicaIp(r);
        failover_port_ = r.listening_port;
        target = &r;
        break;
      }
    }
  }
  if (target != nullptr && target->ack_offset == master_repl_offset_) {
    failover_state_ = FailoverState::kInProgress;
    Log(LogLevel::kNotice, "Failover target %s:%d is synced, failing over.", failover_host_,
        failover_port_);
    SetMaster(failover_host_, static_cast<int>(failover_port_));
  }
}

void Replication::AppendRole(std::string* o, bool resp3) const {
  auto bulk = [o](std::string_view s) {
    absl::StrAppend(o, "$", s.size(), "\r\n", ToAbsl(s), "\r\n");
  };
  if (!is_replica()) {
    size_t n = online_replicas();
    absl::StrAppend(o, "*3\r\n");
    bulk("master");
    absl::StrAppend(o, ":", master_repl_offset_, "\r\n*", n, "\r\n");
    for (const auto& [id, r] : replicas_) {
      if (r.state == ReplicaState::kHandshake) continue;
      absl::StrAppend(o, "*3\r\n");
      bulk(ReplicaIp(r));
      bulk(std::to_string(r.listening_port));
      bulk(std::to_string(r.ack_offset));
    }
    return;
  }
  const char* state = "none";
  switch (link_state_) {
    case LinkState::kNone:
      state = "none";
      break;
    case LinkState::kConnect:
      state = "connect";
      break;
    case LinkState::kConnecting:
      state = "connecting";
      break;
    case LinkState::kHandshake:
      state = "handshake";
      break;
    case LinkState::kTransfer:
      state = "sync";
      break;
    case LinkState::kConnected:
      state = "connected";
      break;
  }
  absl::StrAppend(o, "*5\r\n");
  bulk("slave");
  bulk(master_host_);
  absl::StrAppend(o, ":", master_port_, "\r\n");
  bulk(state);
  absl::StrAppend(o, ":", master_client_ != nullptr ? master_repl_offset_ : -1, "\r\n");
  (void)resp3;
}

}  // namespace rill
