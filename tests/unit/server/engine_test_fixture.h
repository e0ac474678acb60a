// A fixture for unit tests of commands: one Engine with the default configuration and one
// authenticated client, commands run through Engine::Execute (no sockets), replies returned as
// the bytes a client would read.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "datastructs/keyspace.h"
#include "gtest/gtest.h"
#include "server/config/config.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"

namespace rill {

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : engine_(Config()) { client_.authenticated = true; }

  // The reply bytes of one command.
  std::string Run(std::initializer_list<std::string_view> args) {
    std::vector<std::string_view> v(args);
    std::string out;
    engine_.Execute(client_, v, &out);
    return out;
  }
  // The same under RESP3.
  std::string Run3(std::initializer_list<std::string_view> args) {
    client_.resp = 3;
    std::string out = Run(args);
    client_.resp = 2;
    return out;
  }

  ds::Database& db(int i = 0) { return engine_.db(i); }

  Engine engine_;
  Client client_;
};

}  // namespace rill
