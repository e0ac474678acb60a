// LATENCY LATEST/HISTORY/RESET/DOCTOR/HELP (server/latency.h keeps the samples).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/string_util.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"
#include "server/observe/latency_histogram.h"

namespace rill {
namespace {

void CmdLatencyLatest(CommandContext& ctx) {
  const auto& events = ctx.engine.latency().events();
  ctx.reply.ArrayHeader(events.size());
  for (const auto& [name, ts] : events) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Bulk(name);
    ctx.reply.Integer(ts.latest().time_s);
    ctx.reply.Integer(ts.latest().latency_ms);
    ctx.reply.Integer(ts.max_ms);
  }
}

void CmdLatencyHistory(CommandContext& ctx) {
  const auto& events = ctx.engine.latency().events();
  auto it = events.find(ctx.args[2]);
  if (it == events.end()) {
    ctx.reply.EmptyArray();
    return;
  }
  const LatencySeries& ts = it->second;
  size_t token = ctx.reply.BeginDeferredArray();
  size_t n = 0;
  for (int j = 0; j < LatencySeries::kLen; ++j) {
    const LatencySample& s = ts.samples[(ts.idx + j) % LatencySeries::kLen];
    if (s.time_s == 0) continue;
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(s.time_s);
    ctx.reply.Integer(s.latency_ms);
    ++n;
  }
  ctx.reply.EndDeferredArray(token, n);
}

void CmdLatencyReset(CommandContext& ctx) {
  LatencyMonitor& monitor = ctx.engine.latency();
  if (ctx.argc() == 2) {
    ctx.reply.Integer(static_cast<int64_t>(monitor.ResetAll()));
    return;
  }
  int64_t n = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) n += monitor.Reset(ctx.args[i]) ? 1 : 0;
  ctx.reply.Integer(n);
}

// A short form of Redis's report: the same opening sentences, then one line per event.
void CmdLatencyDoctor(CommandContext& ctx) {
  const auto& events = ctx.engine.latency().events();
  std::string report;
  if (ctx.engine.config().Int("latency-monitor-threshold") == 0 && events.empty()) {
    report =
        "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
        "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order "
        "to enable it. If we weren't in a deep space mission I'd suggest to take a look at "
        "https://redis.io/topics/latency-monitor.\n";
  } else if (events.empty()) {
    report =
        "Dave, no latency spike was observed during the lifetime of this Redis instance, not "
        "in the slightest bit. I honestly think you ought to sit down calmly, take a stress "
        "pill, and think things over.\n";
  } else {
    report =
        "Dave, I have observed latency spikes in this Redis instance. You don't mind talking "
        "about it, do you Dave?\n\n";
    int i = 0;
    for (const auto& [name, ts] : events) {
      int64_t count = 0, sum = 0, min_t = 0, max_t = 0;
      for (const LatencySample& s : ts.samples) {
        if (s.time_s == 0) continue;
        ++count;
        sum += s.latency_ms;
        min_t = min_t == 0 ? s.time_s : std::min(min_t, s.time_s);
        max_t = std::max(max_t, s.time_s);
      }
      double avg = count ? static_cast<double>(sum) / count : 0;
      double mad = 0;
      for (const LatencySample& s : ts.samples) {
        if (s.time_s != 0) mad += std::fabs(s.latency_ms - avg);
      }
      if (count) mad /= count;
      double period = count > 1 ? static_cast<double>(max_t - min_t) / (count - 1) : 0;
      absl::StrAppendFormat(&report,
                            "%d. %s: %d latency spikes (average %dms, mean deviation %dms, "
                            "period %.2f sec). Worst all time event %dms.\n",
                            ++i, name, count, static_cast<int64_t>(avg), static_cast<int64_t>(mad),
                            period, ts.max_ms);
    }
  }
  ctx.reply.Verbatim(report);
}

// "name" => {"calls" => n, "histogram_usec" => {usec => cumulative count ...}}.
void ReplyCommandHistogram(CommandContext& ctx, const Command& cmd) {
  ctx.reply.Bulk(cmd.name);
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("calls");
  ctx.reply.Integer(cmd.latency_histogram->total_count());
  ctx.reply.Bulk("histogram_usec");
  const auto cdf = cmd.latency_histogram->CumulativeUsec();
  ctx.reply.MapHeader(cdf.size());
  for (const auto& [usec, count] : cdf) {
    ctx.reply.Integer(usec);
    ctx.reply.Integer(count);
  }
}

bool HasHistogram(const Command& cmd) {
  return cmd.latency_histogram && cmd.latency_histogram->total_count() > 0;
}

// LATENCY HISTOGRAM [command ...]: every command that ran, or the named ones (a container
// command such as CONFIG also brings its subcommands; unknown names are skipped), as Redis's
// latencyAllCommandsFillCDF / latencySpecificCommandsFillCDF.
void CmdLatencyHistogram(CommandContext& ctx) {
  const size_t token = ctx.reply.BeginDeferredMap();
  size_t n = 0;
  auto emit = [&](const Command& cmd) {
    if (!HasHistogram(cmd)) return;
    ReplyCommandHistogram(ctx, cmd);
    ++n;
  };
  if (ctx.argc() == 2) {
    ctx.engine.commands().ForEach([&](const Command& c) {
      emit(c);
      for (const auto& [name, sub] : c.subcommands) emit(sub);
    });
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      const Command* cmd = ctx.engine.commands().Find(ctx.args[i]);
      if (cmd == nullptr) continue;
      emit(*cmd);
      for (const auto& [name, sub] : cmd->subcommands) emit(sub);
    }
  }
  ctx.reply.EndDeferredMap(token, n);
}

void CmdLatencyHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return a human readable latency analysis report.",
      "GRAPH <event>",
      "    Return an ASCII latency graph for the <event> class.",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HISTOGRAM [COMMAND ...]",
      "    Return a cumulative distribution of latencies in the format of a histogram for the "
      "specified command names.",
      "    If no commands are specified then all histograms are replied.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterLatencyCommands(CommandTable& table) {
  table.Add("latency|latest", &CmdLatencyLatest);
  table.Add("latency|history", &CmdLatencyHistory);
  table.Add("latency|reset", &CmdLatencyReset);
  table.Add("latency|doctor", &CmdLatencyDoctor);
  table.Add("latency|help", &CmdLatencyHelp);
  table.Add("latency|histogram", &CmdLatencyHistogram);
}

}  // namespace rill
