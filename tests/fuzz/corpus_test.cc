// Replays every input kept under tests/fuzz/corpus/<target>/ (seeds and inputs that once made
// a fuzzer fail) through the same entry points the libFuzzer binaries use, in every build. A
// contract violation aborts the test binary, which fails the test.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "tests/fuzz/aof_loader_target.h"
#include "tests/fuzz/dump_payload_target.h"
#include "tests/fuzz/hll_decoder_target.h"
#include "tests/fuzz/lua_convert_target.h"
#include "tests/fuzz/rdb_loader_target.h"
#include "tests/fuzz/rdb_stream_target.h"
#include "tests/fuzz/request_parser_target.h"

namespace rill::fuzz {
namespace {

using Target = std::function<void(const uint8_t*, size_t)>;

const std::map<std::string, Target>& Targets() {
  static const auto* targets = new std::map<std::string, Target>{
      {"request_parser", RunRequestParserInput}, {"rdb_loader", RunRdbLoaderInput},
      {"aof_loader", RunAofLoaderInput},         {"hll_decoder", RunHllDecoderInput},
      {"dump_payload", RunDumpPayloadInput},     {"lua_convert", RunLuaConvertInput},
      {"rdb_stream", RunRdbStreamInput},
  };
  return *targets;
}

std::vector<std::filesystem::path> CorpusFiles(const std::string& target) {
  std::vector<std::filesystem::path> files;
  std::filesystem::path dir = std::filesystem::path(RILL_FUZZ_CORPUS_DIR) / target;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  return files;
}

class CorpusTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusTest, EveryKeptInputPasses) {
  const std::vector<std::filesystem::path> files = CorpusFiles(GetParam());
  ASSERT_FALSE(files.empty()) << "no corpus for " << GetParam();
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Targets().at(GetParam())(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
}

INSTANTIATE_TEST_SUITE_P(Fuzz, CorpusTest,
                         ::testing::Values("request_parser", "rdb_loader", "aof_loader",
                                           "hll_decoder", "lua_convert", "dump_payload",
                                           "rdb_stream"));

}  // namespace
}  // namespace rill::fuzz
