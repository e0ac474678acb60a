#include "tests/support/differential.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "common/number_parse.h"
#include "tests/support/keyspace_snapshot.h"

namespace rill::testing {

ServerProcess* DifferentialTest::rill_server_ = nullptr;
ServerProcess* DifferentialTest::redis_server_ = nullptr;
std::string* DifferentialTest::setup_error_ = nullptr;

bool SplitAggregate(const std::string& reply, std::string* header,
                    std::vector<std::string>* elements) {
  if (reply.empty() || (reply[0] != '*' && reply[0] != '~' && reply[0] != '>' && reply[0] != '%')) {
    return false;
  }
  size_t line_end = reply.find("\r\n");
  if (line_end == std::string::npos) return false;
  int64_t count = 0;
  if (!ParseInt64(std::string_view(reply).substr(1, line_end - 1), &count) || count < 0) {
    return false;
  }
  if (reply[0] == '%') count *= 2;  // a map's header counts pairs
  *header = reply.substr(0, line_end + 2);
  elements->clear();
  std::string_view rest = std::string_view(reply).substr(line_end + 2);
  for (int64_t i = 0; i < count; ++i) {
    auto length = CompleteFrameLength(rest);
    if (!length) return false;
    elements->emplace_back(rest.substr(0, *length));
    rest.remove_prefix(*length);
  }
  return rest.empty();
}

std::string BulkValue(const std::string& reply) {
  if (reply.empty() || reply[0] != '$') return "";
  size_t eol = reply.find("\r\n");
  int64_t len = 0;
  if (eol == std::string::npos || !ParseInt64(std::string_view(reply).substr(1, eol - 1), &len) ||
      len < 0) {
    return "";
  }
  return reply.substr(eol + 2, static_cast<size_t>(len));
}

std::vector<std::string> BulkArray(const std::string& reply) {
  std::string header;
  std::vector<std::string> elements, out;
  if (!SplitAggregate(reply, &header, &elements)) return out;
  for (const std::string& e : elements) out.push_back(BulkValue(e));
  return out;
}

std::string SortAggregate(const std::string& reply) {
  std::string header;
  std::vector<std::string> elements;
  if (!SplitAggregate(reply, &header, &elements)) return reply;
  std::sort(elements.begin(), elements.end());
  return header + absl::StrJoin(elements, "");
}

std::string SortPairs(const std::string& reply) {
  std::string header;
  std::vector<std::string> elements;
  if (!SplitAggregate(reply, &header, &elements) || elements.size() % 2 != 0) return reply;
  std::vector<std::string> pairs;
  for (size_t i = 0; i < elements.size(); i += 2) pairs.push_back(elements[i] + elements[i + 1]);
  std::sort(pairs.begin(), pairs.end());
  return header + absl::StrJoin(pairs, "");
}

namespace {

// Copies the RESP value at `in` to `out`, masking prose. `mask` masks this value itself (a
// bulk string); `history` marks the value of a "history" key, whose pairs' second elements
// are descriptions. Returns the bytes consumed, or 0 on malformed input.
size_t CopyMasked(std::string_view in, std::string* out, bool mask, bool history) {
  size_t line_end = in.find("\r\n");
  if (line_end == std::string_view::npos || line_end == 0) return 0;
  char type = in[0];
  std::string_view header = in.substr(0, line_end + 2);
  if (type == '$' || type == '=') {
    int64_t len = 0;
    if (!ParseInt64(in.substr(1, line_end - 1), &len)) return 0;
    if (len < 0) {
      out->append(header);
      return header.size();
    }
    size_t total = line_end + 2 + static_cast<size_t>(len) + 2;
    if (in.size() < total) return 0;
    if (mask) {
      out->append("$<prose>\r\n");
    } else {
      out->append(in.substr(0, total));
    }
    return total;
  }
  if (type != '*' && type != '%' && type != '~' && type != '>') {
    out->append(header);
    return header.size();
  }
  int64_t count = 0;
  if (!ParseInt64(in.substr(1, line_end - 1), &count) || count < 0) return 0;
  if (type == '%') count *= 2;
  out->append(header);
  size_t pos = header.size();
  std::string_view previous_bulk;
  for (int64_t i = 0; i < count; ++i) {
    std::string_view rest = in.substr(pos);
    bool is_key_position = (i % 2) == 1;
    bool mask_child =
        is_key_position && (previous_bulk == "summary" || previous_bulk == "complexity");
    bool history_child = is_key_position && previous_bulk == "history";
    if (history && !rest.empty() && (rest[0] == '*')) {
      // A [version, description] pair: copy the version, mask the description.
      size_t used = 0;
      std::string pair;
      std::string_view pair_in = rest;
      size_t pair_line = pair_in.find("\r\n");
      if (pair_line == std::string_view::npos) return 0;
      pair.append(pair_in.substr(0, pair_line + 2));
      used = pair_line + 2;
      size_t n = CopyMasked(pair_in.substr(used), &pair, false, false);
      if (n == 0) return 0;
      used += n;
      n = CopyMasked(pair_in.substr(used), &pair, true, false);
      if (n == 0) return 0;
      used += n;
      out->append(pair);
      pos += used;
      continue;
    }
    size_t n = CopyMasked(rest, out, mask_child, history_child);
    if (n == 0) return 0;
    previous_bulk = std::string_view();
    if (rest[0] == '$') {
      size_t le = rest.find("\r\n");
      previous_bulk = rest.substr(le + 2, n - le - 4);
    }
    pos += n;
  }
  return pos;
}

}  // namespace

std::string MaskDocsProse(const std::string& reply) {
  std::string out;
  if (CopyMasked(reply, &out, false, false) != reply.size()) return reply;
  return out;
}

void DifferentialTest::SetUpTestSuite() {
  setup_error_ = new std::string;
  std::string redis_binary = RedisServerBinary();
  if (redis_binary.empty()) {
    // Never skip: the oracle is part of the project set-up, its absence is a broken environment.
    *setup_error_ = "redis-server not found on PATH; differential tests need the oracle";
    return;
  }
  redis_server_ = new ServerProcess(redis_binary);
  rill_server_ = new ServerProcess(RillServerBinary());
  std::string error;
  if (!redis_server_->Start(&error)) {
    *setup_error_ = "redis-server failed to start: " + error;
    return;
  }
  if (!rill_server_->Start(&error)) *setup_error_ = "rill-server failed to start: " + error;
}

void DifferentialTest::TearDownTestSuite() {
  delete rill_server_;
  delete redis_server_;
  delete setup_error_;
  rill_server_ = nullptr;
  redis_server_ = nullptr;
  setup_error_ = nullptr;
}

void DifferentialTest::ConnectClients() {
  rill_ = std::make_unique<RespClient>();
  redis_ = std::make_unique<RespClient>();
  ASSERT_TRUE(rill_->Connect(rill_server_->port())) << "rill: " << rill_->last_error();
  ASSERT_TRUE(redis_->Connect(redis_server_->port())) << "redis: " << redis_->last_error();
}

void DifferentialTest::SetUp() {
  ASSERT_TRUE(setup_error_ != nullptr && setup_error_->empty())
      << (setup_error_ ? *setup_error_ : "suite set-up did not run");
  ASSERT_TRUE(rill_server_->running()) << "rill-server died earlier; log:\n"
                                       << rill_server_->ReadLog();
  ConnectClients();
  if (HasFatalFailure()) return;
  ASSERT_EQ(rill_->Command({"FLUSHALL"}), "+OK\r\n") << "FLUSHALL on rill failed";
  ASSERT_EQ(redis_->Command({"FLUSHALL"}), "+OK\r\n") << "FLUSHALL on redis failed";
}

void DifferentialTest::ExpectEqualReplies(const std::string& what, std::string rill_reply,
                                          std::string redis_reply, Compare compare) {
  if (compare == Compare::kSortedArray) {
    rill_reply = SortAggregate(rill_reply);
    redis_reply = SortAggregate(redis_reply);
  } else if (compare == Compare::kSortedPairs) {
    rill_reply = SortPairs(rill_reply);
    redis_reply = SortPairs(redis_reply);
  } else if (compare == Compare::kDocsStructure) {
    rill_reply = MaskDocsProse(rill_reply);
    redis_reply = MaskDocsProse(redis_reply);
  }
  EXPECT_EQ(rill_reply, redis_reply)
      << "command: " << what << "\n  rill:  " << EscapeBytes(rill_reply)
      << "\n  redis: " << EscapeBytes(redis_reply);
}

DifferentialTest::ClientPair DifferentialTest::ConnectPair() {
  ClientPair p;
  EXPECT_TRUE(p.rill->Connect(rill_port())) << p.rill->last_error();
  EXPECT_TRUE(p.redis->Connect(redis_port())) << p.redis->last_error();
  return p;
}

void DifferentialTest::SendPair(ClientPair& p, const std::vector<std::string>& argv) {
  p.rill->Send(argv);
  p.redis->Send(argv);
}

void DifferentialTest::ExpectSamePair(ClientPair& p, const std::vector<std::string>& argv) {
  std::string a = p.rill->Command(argv);
  std::string b = p.redis->Command(argv);
  ExpectEqualReplies("(second client) " + EscapeBytes(absl::StrJoin(argv, " ")), a, b,
                     Compare::kExact);
}

void DifferentialTest::ExpectSameRead(ClientPair& p, const std::string& what) {
  std::string a = p.rill->ReadReply();
  std::string b = p.redis->ReadReply();
  ExpectEqualReplies(what, a, b, Compare::kExact);
}

std::string DifferentialTest::ExpectSame(const std::vector<std::string>& argv, Compare compare) {
  std::string rill_reply = rill_->Command(argv);
  std::string redis_reply = redis_->Command(argv);
  ExpectEqualReplies(EscapeBytes(absl::StrJoin(argv, " ")), rill_reply, redis_reply, compare);
  return rill_reply;
}

std::string DifferentialTest::ExpectSameRaw(const std::string& bytes, Compare compare) {
  rill_->SendRaw(bytes);
  redis_->SendRaw(bytes);
  std::string rill_reply = rill_->ReadReply();
  std::string redis_reply = redis_->ReadReply();
  ExpectEqualReplies("raw " + EscapeBytes(bytes), rill_reply, redis_reply, compare);
  return rill_reply;
}

void DifferentialTest::ExpectSameThenClose(const std::string& bytes) {
  rill_->SendRaw(bytes);
  redis_->SendRaw(bytes);
  auto rill_reply = rill_->ReadUntilClosed();
  auto redis_reply = redis_->ReadUntilClosed();
  EXPECT_TRUE(redis_reply.has_value())
      << "redis kept the connection open after " << EscapeBytes(bytes);
  EXPECT_TRUE(rill_reply.has_value())
      << "rill kept the connection open after " << EscapeBytes(bytes);
  ExpectEqualReplies("raw " + EscapeBytes(bytes), rill_reply.value_or("<open>"),
                     redis_reply.value_or("<open>"), Compare::kExact);
  ConnectClients();
}

void DifferentialTest::ExpectSameScan(std::vector<std::string> argv, size_t cursor_index) {
  const std::string description = EscapeBytes(absl::StrJoin(argv, " ")) + " (full scan, sorted)";
  auto collect = [&](RespClient& client, std::vector<std::string>* out) {
    std::string cursor = "0";
    for (int round = 0; round < 10000; ++round) {
      argv[cursor_index] = cursor;
      std::string reply = client.Command(argv);
      std::string header;
      std::vector<std::string> parts;
      if (!SplitAggregate(reply, &header, &parts) || parts.size() != 2) {
        out->push_back(reply);  // An error reply: compared as-is.
        return;
      }
      std::vector<std::string> items;
      if (SplitAggregate(parts[1], &header, &items)) {
        out->insert(out->end(), items.begin(), items.end());
      }
      // parts[0] is "$<n>\r\n<cursor>\r\n".
      size_t start = parts[0].find("\r\n") + 2;
      cursor = parts[0].substr(start, parts[0].size() - start - 2);
      if (cursor == "0") return;
    }
    out->push_back("<scan did not finish>");
  };
  std::vector<std::string> rill_items, redis_items;
  collect(*rill_, &rill_items);
  collect(*redis_, &redis_items);
  // SCAN promises each key at least once, so duplicates are legitimate on either side.
  for (auto* items : {&rill_items, &redis_items}) {
    std::sort(items->begin(), items->end());
    items->erase(std::unique(items->begin(), items->end()), items->end());
  }
  ExpectEqualReplies(description, absl::StrJoin(rill_items, ""), absl::StrJoin(redis_items, ""),
                     Compare::kExact);
}

void DifferentialTest::SendBoth(const std::vector<std::string>& argv) {
  rill_->Command(argv);
  redis_->Command(argv);
}

int64_t DifferentialTest::Dirty(RespClient& c) {
  int64_t n = -1;
  ParseInt64(InfoField(c, "persistence", "rdb_changes_since_last_save"), &n);
  return n;
}

std::string DifferentialTest::ExpectSameEventsBeforeMarker(ClientPair& sub,
                                                           const std::string& what) {
  ExpectSame({"PUBLISH", "__keyevent@marker", "done"});
  std::string events[2];
  RespClient* clients[2] = {sub.rill.get(), sub.redis.get()};
  for (int i = 0; i < 2; ++i) {
    while (true) {
      const std::string frame = clients[i]->ReadReply();
      if (frame.empty() || frame.find("marker") != std::string::npos) break;
      events[i] += frame;
    }
  }
  ExpectSameReplies("events of " + what, events[0], events[1]);
  return events[0];
}

void DifferentialTest::ExpectSameEffects(const std::vector<std::vector<std::string>>& commands) {
  ClientPair sub = ConnectPair();
  ExpectSame({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  ExpectSamePair(sub, {"PSUBSCRIBE", "__keyevent@*"});
  for (const auto& argv : commands) {
    const std::string what = absl::StrJoin(argv, " ");
    const int64_t rill_before = Dirty(rill_client());
    const int64_t redis_before = Dirty(redis_client());
    ExpectSame(argv);
    EXPECT_EQ(Dirty(rill_client()) - rill_before, Dirty(redis_client()) - redis_before)
        << "dirty changes of " << what;
    ExpectSameEventsBeforeMarker(sub, what);
  }
  ExpectSame({"CONFIG", "SET", "notify-keyspace-events", ""});
}

}  // namespace rill::testing
