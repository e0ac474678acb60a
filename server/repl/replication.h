// Master–replica replication as Redis 7.0 does it (docs/design-notes.md, "Replication"): the
// master side (replicas' REPLCONF/PSYNC, full sync through a BGSAVE, the backlog and partial
// resync, ACKs, WAIT), the replica side's state (REPLICAOF, the link's progress, the stream
// applied by the master client) and INFO replication / ROLE.
//
// Owned by the Engine. It is a Propagator::Sink: on a master every propagated command reaches
// the backlog and the online replicas here, after a SELECT when the stream's database changes.
// On a replica the engine's propagation is ignored here; the master's stream is passed on
// verbatim instead (MasterApplied), to the backlog and any sub-replica.
//
// The network side of a replica (the outgoing socket, the handshake, receiving the RDB) is
// server/net/master_link.h: the server installs it with set_link_control.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/engine/propagation.h"
#include "server/repl/backlog.h"

namespace rill {

class Engine;
struct Client;
struct ChildResult;

class Replication final : public Propagator::Sink {
 public:
  explicit Replication(Engine& engine);
  ~Replication() override;

  // ---- the master side ----
  // REPLCONF <option> <value> ... of a (future) replica. Appends Redis's reply to `reply_out`
  // (nothing for ACK, which is never answered).
  void ReplConf(Client& client, const std::vector<std::string_view>& args, std::string* reply);
  // PSYNC replid offset (or SYNC when `psync` is false): +FULLRESYNC and a snapshot, or
  // +CONTINUE and the backlog. The reply (or error) goes to `reply`.
  // `pending_output`: the client has replies not yet written (Redis refuses the sync then).
  // `failover`: PSYNC ... FAILOVER, a master handing its role over to this replica.
  void Sync(Client& client, bool psync, std::string_view replid, std::string_view offset,
            bool pending_output, bool failover, std::string* reply);
  // WAIT numreplicas timeout_ms: true when answered now with the count in *acked; false when
  // the client was parked (answered later through Client::send).
  bool Wait(Client& client, int64_t numreplicas, int64_t timeout_ms, int64_t* acked);
  // Propagator::Sink.
  void Feed(int db, std::string_view resp_command) override;
  // Hands the stream bytes fed since the last call to the replicas (their connections, or what
  // is held for them) and applies their output limit: once per event-loop turn, before replies
  // leave (Engine::WritePendingAof), and before anything changes a replica's state. The backlog
  // and the offset never wait for it.
  void FlushStream() {
    if (!unsent_.empty()) SendUnsent();
  }

  // FAILOVER [TO host port [FORCE]] [TIMEOUT ms] (arguments parsed, host empty when not
  // given): Redis 7.0's coordinated failover. Writes are paused; once the target (or any
  // replica) acknowledged every byte, this server becomes its replica and asks for a PSYNC
  // ... FAILOVER that makes the target a master. Returns Redis's reply (+OK or the error).
  std::string Failover(const std::string& host, int64_t port, bool force, int64_t timeout_ms);
  // FAILOVER ABORT.
  std::string AbortFailoverCommand();
  enum class FailoverState { kNone, kWaitForSync, kInProgress };
  FailoverState failover_state() const { return failover_state_; }
  // The master link's PSYNC got its reply during a failover: accepted (the failover is done)
  // or refused (this server goes back to being the master).
  void FailoverPsyncAnswered(bool accepted);

  // ---- the replica side ----
  // REPLICAOF host port / NO ONE (host empty). Returns the +OK line Redis replies.
  // `why` is the log's reason for a promotion.
  std::string SetMaster(const std::string& host, int port, std::string_view why = "user request");
  bool is_replica() const { return !master_host_.empty(); }
  const std::string& master_host() const { return master_host_; }
  int master_port() const { return master_port_; }
  // The link's progress, reported by the master link.
  enum class LinkState { kNone, kConnect, kConnecting, kHandshake, kTransfer, kConnected };
  void set_link_state(LinkState state) { link_state_ = state; }
  LinkState link_state() const { return link_state_; }
  // What PSYNC asks for: our replication ID and the next offset, or "?" -1 for a fresh replica.
  std::pair<std::string, int64_t> PsyncRequest() const;
  // A full sync was accepted (+FULLRESYNC replid offset) and its RDB loaded.
  void FullSyncDone(std::string_view replid, int64_t offset);
  // +CONTINUE [replid]: the stream continues where ours ended.
  void PartialSyncAccepted(std::string_view new_replid);
  // The link's socket became the master client (flags M), or it is gone (nullptr).
  void SetMasterClient(Client* client);
  bool IsMasterClient(const Client& client) const { return &client == master_client_; }
  Client* master_client() const { return master_client_; }
  // The master client consumed `raw` bytes of the stream (a command, or keepalive newlines):
  // our offset advances and the bytes go on to the backlog and sub-replicas; a pending GETACK
  // is answered.
  void MasterApplied(std::string_view raw);
  // REPLCONF GETACK from our master: ACK once the command is applied.
  void RequestAck() { ack_requested_ = true; }
  // The REPLCONF ACK line for our master (sent by the link every second).
  std::string AckCommand() const;
  int64_t last_master_io_ms() const { return last_master_io_ms_; }

  // A full sync's RDB arriving (server/repl/sync_receiver.h). INFO replication's master_sync_*
  // fields while the link is in the transfer state (Redis's repl_transfer_*).
  struct SyncTransfer {
    int64_t size = -1;  // -1 until the bulk header, 0 for its `$EOF:` form
    int64_t read = 0;   // bytes written to the temporary file
    int64_t last_io_s = 0;
  };
  SyncTransfer& sync_transfer() { return transfer_; }
  // Loading it from the socket: commands without the `loading` flag (kLoading), or with
  // `no_async_loading` (kAsyncLoading), get -LOADING; INFO persistence shows the progress.
  enum class SyncLoad { kNone, kLoading, kAsyncLoading };
  struct LoadProgress {
    SyncLoad state = SyncLoad::kNone;
    int64_t start_s = 0;
    int64_t total = 0;
    int64_t loaded = 0;
    int64_t rdb_used_mem = 0;  // the RDB's used-mem aux field, once parsed
  };
  LoadProgress& load_progress() { return load_; }
  SyncLoad sync_load() const { return load_.state; }
  // INFO persistence's loading_* lines while loading (nothing otherwise).
  void AppendLoadingInfo(std::string* out) const;
  // rdb-del-sync-files: no save points and no AOF (Redis's allPersistenceDisabled), where the
  // RDB files of full syncs are removed once used (Redis 7.0: a replica's after loading it, a
  // master's once no replica waits for it or reads it).
  bool DeleteSyncFiles() const;

  // ---- both ----
  // A client left: a replica leaves the table, a WAIT is dropped, the master client is gone.
  void ClientGone(Client& client);
  // Once per cron tick: snapshots waiting to start, PINGs to replicas, WAIT timeouts, the
  // replica's ACKs and link retries.
  void Cron(int64_t now_ms);
  // A BGSAVE ended: replicas waiting for it get the file or a retry.
  void SnapshotDone(bool ok, const std::string& path);
  // INFO replication's fields and ROLE's reply.
  void AppendInfo(std::string* out) const;
  void AppendRole(std::string* out, bool resp3) const;
  // min-replicas-to-write: false when writes must be refused with -NOREPLICAS (fewer online
  // replicas than it asks acknowledged within min-replicas-max-lag seconds).
  bool EnoughGoodReplicas() const;
  // connected_slaves and INFO stats' sync_* counters.
  size_t online_replicas() const;
  // Clients parked in WAIT, and those of them with a timeout (INFO's blocked_clients and
  // clients_in_timeout_table count them, as Redis's BLOCKED_WAIT).
  size_t waiting_clients() const { return waiters_.size(); }
  size_t waiting_with_timeout() const {
    size_t n = 0;
    for (const Waiter& w : waiters_) n += w.deadline_ms != 0 ? 1 : 0;
    return n;
  }
  uint64_t sync_full() const { return sync_full_; }
  uint64_t sync_partial_ok() const { return sync_partial_ok_; }
  uint64_t sync_partial_err() const { return sync_partial_err_; }
  int64_t master_repl_offset() const { return master_repl_offset_; }
  const std::string& replid() const { return replid_; }

  // The replica side's network part, installed by the server: `connect` starts (or restarts) the
  // link to master_host():master_port(); `disconnect` drops it and the master client.
  struct LinkControl {
    std::function<void()> connect;
    std::function<void()> disconnect;
    std::function<void()> cron;
  };
  void set_link_control(LinkControl control) { link_ = std::move(control); }

 private:
  // kSendBulk: a disk-based full sync's file is being sent (Redis's SLAVE_STATE_SEND_BULK).
  enum class ReplicaState { kHandshake, kWaitBgsaveStart, kWaitBgsaveEnd, kSendBulk, kOnline };
  struct Replica {
    Client* client = nullptr;
    ReplicaState state = ReplicaState::kHandshake;
    int listening_port = 0;
    std::string ip_address;
    bool capa_eof = false;
    bool capa_psync2 = false;
    bool old_sync = false;  // SYNC: no +FULLRESYNC line
    int64_t ack_offset = 0;
    int64_t ack_time_ms = 0;
    int64_t sync_start_offset = 0;
    std::string held;  // the stream while its snapshot is made (and until its first ACK)
    // A diskless transfer reached it: the stream starts with its first REPLCONF ACK (Redis's
    // repl_start_cmd_stream_on_ack), which may come before the child was reaped (early_ack).
    bool stream_on_ack = false;
    bool early_ack = false;
    // Output accounting for client-output-buffer-limit replica: the connection had sent
    // `sent_base` bytes when the replica said PSYNC; `queued` bytes were queued for it since, of
    // which the first `rdb_end` include a disk-based RDB (not counted, as in Redis).
    uint64_t sent_base = 0;
    uint64_t queued = 0;
    uint64_t rdb_end = 0;
    int64_t soft_limit_since_ms = 0;
    // kSendBulk: the snapshot file (its own descriptor: a later BGSAVE may replace the file),
    // how much of it was queued and its size. The file goes out a chunk at a time, the next
    // read once the connection drained the last (Client::output_drained), as Redis's
    // sendBulkToSlave: never the whole file in memory.
    int bulk_fd = -1;
    uint64_t bulk_offset = 0;
    uint64_t bulk_size = 0;
  };
  // What the running snapshot child is for: nothing of ours, a file to send (disk), or the
  // replicas' sockets (diskless).
  enum class SnapshotTarget { kNone, kDisk, kSockets };
  struct Waiter {
    Client* client;
    int64_t offset;
    int64_t numreplicas;
    int64_t deadline_ms;  // 0: none
  };

  Replica& EntryOf(Client& client);
  void CreateBacklogIfNeeded();
  // Registers this as a propagation sink on a master with a backlog, and only then.
  void UpdateSink();
  // Appends stream bytes to the backlog and, for the replicas, to unsent_.
  void FeedStream(std::string_view bytes);
  void SendUnsent();
  // Starts a BGSAVE for the replicas waiting for one, to disk or (repl-diskless-sync, every one
  // of them capable of EOF) to their sockets; false when it could not start.
  bool StartSnapshotForReplicas();
  // Redis's replicationStartPendingFork: with replicas waiting and no child, starts their
  // snapshot, a diskless one only once repl-diskless-sync-delay seconds passed since the
  // longest-waiting asked, or repl-diskless-sync-max-replicas are waiting.
  void StartPendingFork(int64_t now_ms);
  // The diskless child ended: delivered[i] says whether transfer_ids_[i] got the whole RDB.
  void DisklessTransferDone(bool ok, const std::vector<bool>& delivered);
  // The held stream goes out and the replica is streamed to from now on.
  void StartStream(Replica& r);
  // The BGSAVE to disk ended: `r` gets the `$<size>` header and then the file at `path`, in
  // chunks (SendBulkChunk). False (logged) when the file cannot be opened.
  bool StartBulk(Replica& r, const std::string& path);
  // The connection of replica `id` drained: the next chunk of its file, or, once all of it
  // left, the replica goes online with the stream it missed.
  void SendBulkChunk(uint64_t id);
  void CloseBulk(Replica& r);
  // Queues bytes on the replica's connection (counted for its output limit).
  void SendTo(Replica& r, std::string_view bytes);
  // The replica's stream bytes not yet written to its socket: held here or queued on its
  // connection, without the RDB.
  uint64_t PendingStream(const Replica& r) const;
  // client-output-buffer-limit replica: true when `r` passed its hard limit, or its soft limit
  // for longer than allowed; it is then queued in limit_victims_.
  bool CheckOutputLimit(Replica& r, int64_t now_ms);
  // Closes the replicas CheckOutputLimit condemned (outside any walk over replicas_).
  void CloseLimitVictims();
  // "ip:listening-port", as Redis names a replica in its log.
  std::string ReplicaName(const Replica& r) const;
  void DisconnectReplicas();
  // Redis's removeRDBUsedToSyncReplicas (cron): the file a BGSAVE made for replicas goes once
  // none needs it, under rdb-del-sync-files without persistence.
  void RemoveRdbUsedToSyncReplicas();
  void ShiftReplicationId();
  void NewReplicationId();
  // Redis's updateFailoverStatus (cron): the timeout, then the target's catching up.
  void UpdateFailoverStatus(int64_t now_ms);
  void AbortFailover(std::string_view why);
  void ClearFailoverState();
  // The replica listening at host:port (ip as it announced it or its peer address).
  Replica* FindReplica(const std::string& host, int64_t port);
  int64_t CountAcked(int64_t offset) const;
  int64_t GoodReplicas(int64_t now_ms) const;
  void ServeWaiters(int64_t now_ms);
  void SendGetAck();
  std::string ReplicaIp(const Replica& r) const;

  Engine& engine_;
  std::string replid_;
  std::string replid2_;
  int64_t master_repl_offset_ = 0;
  int64_t second_repl_offset_ = -1;
  ReplicationBacklog backlog_;
  // The stream fed this turn, not yet handed to the replicas: one send per replica per turn
  // instead of one per command (each send is a call through Client::send into the connection).
  std::string unsent_;
  int selected_db_ = -1;                  // of the stream (Redis's slaveseldb)
  std::map<uint64_t, Replica> replicas_;  // by client id: attachment order
  std::vector<Waiter> waiters_;
  std::vector<Client*> limit_victims_;
  SnapshotTarget snapshot_target_ = SnapshotTarget::kNone;  // the running child's, if ours
  bool rdb_generated_by_replication_ = false;               // dbfilename is a sync's file
  std::vector<uint64_t> transfer_ids_;                      // a diskless child's replicas
  int64_t last_ping_ms_ = 0;
  int64_t no_replicas_since_ms_ = 0;  // 0: some replica is attached (repl-backlog-ttl)
  int64_t last_newline_ms_ = 0;
  uint64_t sync_full_ = 0;
  uint64_t sync_partial_ok_ = 0;
  uint64_t sync_partial_err_ = 0;
  FailoverState failover_state_ = FailoverState::kNone;
  std::string failover_host_;  // the target, once known
  int64_t failover_port_ = 0;
  int64_t failover_end_ms_ = 0;  // 0: no timeout
  bool failover_force_ = false;

  // Replica side.
  std::string master_host_;
  int master_port_ = 0;
  LinkState link_state_ = LinkState::kNone;
  Client* master_client_ = nullptr;
  bool ack_requested_ = false;
  bool synced_once_ = false;  // there is a replication history to PSYNC from
  int64_t last_master_io_ms_ = 0;
  int64_t last_ack_sent_ms_ = 0;
  int64_t link_down_since_s_ = 0;
  SyncTransfer transfer_;
  LoadProgress load_;
  LinkControl link_;
};

}  // namespace rill
