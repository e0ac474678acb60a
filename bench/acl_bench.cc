// What ACL checks cost per command in Engine::Execute. A client whose user may run everything
// (the default user) must pay nearly nothing over one without any user; restricted users pay for
// the command bit, key patterns or channel patterns they actually have.
//
//   BM_ExecuteGet/no_user       no ACL at all (the floor)
//   BM_ExecuteGet/default_user  unrestricted user: one flag test
//   BM_ExecuteGet/command_rules "+@all -@dangerous": the command bit
//   BM_ExecuteGet/key_patterns  "~k* ~other:*": key extraction and glob matching
#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "server/config/config.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

enum Setup { kNoUser, kDefaultUser, kCommandRules, kKeyPatterns };

void BM_ExecuteGet(benchmark::State& state, Setup setup) {
  Engine engine{Config()};
  Client client;
  client.authenticated = true;
  std::string error;
  const std::vector<std::string_view> set_key = {"SET", "k1", "value"};
  std::string out;
  engine.Execute(client, set_key, &out);
  switch (setup) {
    case kNoUser:
      break;
    case kDefaultUser:
      engine.SetClientUser(client, engine.acl().default_user(), true);
      break;
    case kCommandRules:
    case kKeyPatterns: {
      std::vector<std::string_view> rules = {"on", "nopass", "&*"};
      if (setup == kCommandRules) {
        rules.insert(rules.end(), {"+@all", "-@dangerous", "~*"});
      } else {
        rules.insert(rules.end(), {"+@all", "~k*", "~other:*"});
      }
      auto staged = engine.acl().StageSetUser("bench", rules, &error);
      engine.SetClientUser(client, engine.acl().CommitUser(*staged), true);
      break;
    }
  }
  const std::vector<std::string_view> get = {"GET", "k1"};
  for (auto _ : state) {
    out.clear();
    engine.Execute(client, get, &out);
    benchmark::DoNotOptimize(out.data());
  }
  if (out != "$5\r\nvalue\r\n") state.SkipWithError("unexpected reply");
}
BENCHMARK_CAPTURE(BM_ExecuteGet, no_user, kNoUser);
BENCHMARK_CAPTURE(BM_ExecuteGet, default_user, kDefaultUser);
BENCHMARK_CAPTURE(BM_ExecuteGet, command_rules, kCommandRules);
BENCHMARK_CAPTURE(BM_ExecuteGet, key_patterns, kKeyPatterns);

}  // namespace
}  // namespace rill
