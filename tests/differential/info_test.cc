// INFO: which sections come, in which order, with which headers and separators, for every way
// of selecting them; errorstats and commandstats lines as redis-server writes them.
#include <algorithm>
#include <regex>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

class InfoDiffTest : public DifferentialTest {
 protected:
  // The reply's layout: section headers and blank lines kept, each field line reduced to its
  // name (values differ between servers).
  static std::string Layout(const std::string& reply) {
    std::string out;
    size_t start = reply.find("\r\n");
    if (start == std::string::npos) return reply;
    for (size_t pos = start + 2; pos < reply.size();) {
      size_t end = reply.find("\r\n", pos);
      if (end == std::string::npos) break;
      std::string line = reply.substr(pos, end - pos);
      pos = end + 2;
      if (line.empty() || line[0] == '#') {
        out += line + "\n";
      } else if (line.find(':') != std::string::npos) {
        out += "field\n";  // field names are compared per section elsewhere
      }
    }
    // Runs of field lines collapse to one marker: sections differ in field count.
    std::string collapsed;
    for (size_t pos = 0; pos < out.size();) {
      size_t end = out.find('\n', pos);
      std::string line = out.substr(pos, end - pos + 1);
      pos = end + 1;
      if (line == "field\n" && collapsed.ends_with("field\n")) continue;
      collapsed += line;
    }
    return collapsed;
  }
  void ExpectSameLayout(const std::vector<std::string>& argv) {
    std::string what;
    for (const auto& a : argv) what += a + " ";
    EXPECT_EQ(Layout(Rill(argv)), Layout(Redis(argv))) << what;
  }
};

TEST_F(InfoDiffTest, SectionSelection) {
  SendBoth({"SET", "k", "v"});
  ExpectSameLayout({"INFO"});
  ExpectSameLayout({"INFO", "default"});
  ExpectSameLayout({"INFO", "all"});
  ExpectSameLayout({"INFO", "everything"});
  ExpectSameLayout({"INFO", "server", "keyspace"});
  ExpectSameLayout({"INFO", "keyspace", "server"});
  ExpectSameLayout({"INFO", "commandstats", "CPU", "errorstats", "latencystats"});
  ExpectSameLayout({"INFO", "default", "commandstats"});
  ExpectSameLayout({"INFO", "server", "server"});
  ExpectSame({"INFO", "nosuch"});
}

TEST_F(InfoDiffTest, ErrorstatsCountsByCode) {
  ExpectSame({"CONFIG", "RESETSTAT"});
  ExpectSame({"INFO", "errorstats"});
  ExpectSame({"SET", "s", "v"});
  ExpectSame({"LPUSH", "s", "x"});
  ExpectSame({"NOSUCHCOMMAND"});
  ExpectSame({"SET", "a", "b", "c"});
  ExpectSame({"INCR", "s"});
  ExpectSame({"GET"});
  ExpectSame({"MULTI"});
  ExpectSame({"NOSUCHCOMMAND"});
  ExpectSame({"EXEC"});
  ExpectSame({"INFO", "errorstats"});
  ExpectSame({"CONFIG", "RESETSTAT"});
  ExpectSame({"INFO", "errorstats"});
}

TEST_F(InfoDiffTest, CommandstatsCountsCalls) {
  ExpectSame({"CONFIG", "RESETSTAT"});
  ExpectSame({"SET", "a", "1"});
  ExpectSame({"SET", "a", "1", "BAD"});
  ExpectSame({"GET", "a", "b"});
  // The reply lists commands in hash order on redis; compare the lines of one command each.
  for (std::string cmd : {"set", "get", "config|resetstat"}) {
    auto line = [&](const std::string& reply) {
      size_t at = reply.find("cmdstat_" + cmd + ":");
      if (at == std::string::npos) return std::string("(none)");
      std::string l = reply.substr(at, reply.find("\r\n", at) - at);
      // usec and usec_per_call are timings.
      size_t u = l.find(",usec=");
      size_t r = l.find(",rejected_calls=");
      return l.substr(0, u) + l.substr(r);
    };
    EXPECT_EQ(line(Rill({"INFO", "commandstats"})), line(Redis({"INFO", "commandstats"}))) << cmd;
  }
}

// total_commands_processed counts what ran, as Redis's call() does: not INFO itself (counted
// after it replied), not commands rejected before running (unknown, wrong arity), not commands
// only queued in MULTI (counted when EXEC runs them). Job frameworks queue most of their
// commands in MULTI (RQ: 26 of 48 per job), and a broker's commands per job are read from here.
TEST_F(InfoDiffTest, TotalCommandsProcessedCountsWhatRan) {
  auto total = [](const std::string& reply) {
    size_t at = reply.find("total_commands_processed:");
    if (at == std::string::npos) return std::string("(none)");
    return reply.substr(at, reply.find("\r\n", at) - at);
  };
  ExpectSame({"CONFIG", "RESETSTAT"});
  EXPECT_EQ(total(Rill({"INFO", "stats"})), "total_commands_processed:1");
  EXPECT_EQ(total(Redis({"INFO", "stats"})), "total_commands_processed:1");
  ExpectSame({"SET", "s", "v"});
  ExpectSame({"SET", "s"});
  ExpectSame({"NOSUCHCOMMAND"});
  ExpectSame({"LPUSH", "s", "x"});  // runs, and fails: counted
  ExpectSame({"MULTI"});
  ExpectSame({"SET", "a", "1"});
  ExpectSame({"GET", "a"});
  ExpectSame({"EXEC"});
  ExpectSame({"MULTI"});
  ExpectSame({"SET", "a", "2"});
  ExpectSame({"NOSUCHCOMMAND"});
  ExpectSame({"EXEC"});
  ExpectSame({"MULTI"});
  ExpectSame({"DISCARD"});
  EXPECT_EQ(total(Rill({"INFO", "stats"})), total(Redis({"INFO", "stats"})));
  EXPECT_EQ(total(Rill({"INFO", "stats"})), "total_commands_processed:13");
}

TEST_F(InfoDiffTest, LatencystatsFormat) {
  ExpectSame({"CONFIG", "RESETSTAT"});
  ExpectSame({"SET", "a", "1"});
  ExpectSame({"CONFIG", "SET", "latency-tracking-info-percentiles", "50 99.99 100"});
  const std::regex kLine(
      "latency_percentiles_usec_set:p50=\\d+\\.\\d{3},p99\\.99=\\d+\\.\\d{3},"
      "p100=\\d+\\.\\d{3}\r\n");
  for (const std::string& reply :
       {Rill({"INFO", "latencystats"}), Redis({"INFO", "latencystats"})}) {
    EXPECT_TRUE(std::regex_search(reply, kLine)) << reply;
    EXPECT_EQ(reply.find("latency_percentiles_usec_get:"), std::string::npos) << reply;
  }
  SendBoth({"CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9"});
}

// LATENCY HISTOGRAM: the same map of commands, calls and histogram levels (the level a call
// falls in is a timing: compared as a placeholder), named commands with the subcommands of a
// container, unknown names skipped; RESP2 and RESP3.
TEST_F(InfoDiffTest, LatencyHistogramShape) {
  // Each command's entry with its level replaced; entries sorted, as Redis lists the
  // subcommands of a container in its dict's (seeded) hash order.
  const std::regex entry(
      "\\$[0-9]+\r\n[a-z|]+\r\n[*%][24]\r\n\\$5\r\ncalls\r\n:[0-9]+\r\n\\$14\r\n"
      "histogram_usec\r\n[*%][12]\r\n:[0-9]+\r\n:[0-9]+\r\n");
  auto shape = [&](const std::string& reply) {
    std::vector<std::string> entries;
    for (std::sregex_iterator it(reply.begin(), reply.end(), entry), end; it != end; ++it) {
      entries.push_back((*it)[0].str());
    }
    std::sort(entries.begin(), entries.end());
    std::string out = reply.substr(0, reply.find("\r\n") + 2);
    for (const std::string& e : entries)
      out += std::regex_replace(e, std::regex(":[0-9]+\r\n:([0-9]+)\r\n$"), ":LEVEL\r\n:$1\r\n");
    return out;
  };
  for (const char* protocol : {"2", "3"}) {
    SCOPED_TRACE(std::string("RESP") + protocol);
    Rill({"HELLO", protocol});
    Redis({"HELLO", protocol});
    ExpectSame({"CONFIG", "RESETSTAT"});
    ExpectSame({"LATENCY", "HISTOGRAM", "set"});
    ExpectSame({"SET", "a", "1"});
    ExpectSame({"CONFIG", "GET", "maxmemory"});
    const std::vector<std::string> argv = {"LATENCY", "HISTOGRAM", "set", "nosuch", "config"};
    const std::string rill_shape = shape(Rill(argv));
    EXPECT_EQ(rill_shape, shape(Redis(argv)));
    EXPECT_NE(rill_shape.find("config|get"), std::string::npos) << rill_shape;
  }
}

}  // namespace
}  // namespace rill::testing
