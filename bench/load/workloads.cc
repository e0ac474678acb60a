#include "load/workloads.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace rill::load {
namespace {

constexpr char kPlaceholder[] = "__rand_int__";
constexpr size_t kPlaceholderLen = sizeof(kPlaceholder) - 1;

// redis-benchmark's payload: a fixed-seed LCG over 64 characters from '0', so both tools send
// the same value bytes.
std::string BenchmarkData(int size) {
  static uint32_t state = 1234;
  std::string data(size, '\0');
  for (char& c : data) {
    state = state * 1103515245 + 12345;
    c = static_cast<char>('0' + ((state >> 16) & 63));
  }
  return data;
}

}  // namespace

std::string EncodeCommand(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out += a;
    out += "\r\n";
  }
  return out;
}

std::vector<Workload> SelectTests(const std::string& list, bool random_keys, int data_size,
                                  std::string* error) {
  std::set<std::string> wanted;
  std::stringstream names(list);
  for (std::string name; std::getline(names, name, ',');) {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (name == "ping") {
      wanted.insert("ping_inline");
      wanted.insert("ping_mbulk");
    } else if (!name.empty()) {
      wanted.insert(name);
    }
  }
  const std::string data = BenchmarkData(data_size);
  const std::string key = "key:__rand_int__";
  std::vector<std::string> mset = {"MSET"};
  for (int i = 0; i < 10; ++i) {
    mset.push_back(key);
    mset.push_back(data);
  }
  const std::vector<Workload> all = {
      {"PING_INLINE", "PING\r\n", '+'},
      {"PING_MBULK", EncodeCommand({"PING"}), '+'},
      {"SET", EncodeCommand({"SET", key, data}), '+'},
      {"GET", EncodeCommand({"GET", key}), '$'},
      {"INCR", EncodeCommand({"INCR", "counter:__rand_int__"}), ':'},
      {"LPUSH", EncodeCommand({"LPUSH", "mylist", data}), ':'},
      {"RPUSH", EncodeCommand({"RPUSH", "mylist", data}), ':'},
      {"LPOP", EncodeCommand({"LPOP", "mylist"}), '$'},
      {"RPOP", EncodeCommand({"RPOP", "mylist"}), '$'},
      {"SADD", EncodeCommand({"SADD", "myset", "element:__rand_int__"}), ':'},
      {"HSET", EncodeCommand({"HSET", "myhash", "element:__rand_int__", data}), ':'},
      {"SPOP", EncodeCommand({"SPOP", "myset"}), '$'},
      {"ZADD",
       EncodeCommand(
           {"ZADD", "myzset", random_keys ? "__rand_int__" : "0", "element:__rand_int__"}),
       ':'},
      {"ZPOPMIN", EncodeCommand({"ZPOPMIN", "myzset"}), '*'},
      {"MSET (10 keys)", EncodeCommand(mset), '+'},
  };
  std::vector<Workload> selected;
  for (const Workload& w : all) {
    std::string name = w.title.substr(0, w.title.find(' '));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (wanted.erase(name) > 0) selected.push_back(w);
  }
  if (!wanted.empty()) {
    *error = "unknown test: " + *wanted.begin();
    return {};
  }
  return selected;
}

Workload CustomWorkload(const std::vector<std::string>& args) {
  std::string title;
  for (const std::string& a : args) title += (title.empty() ? "" : " ") + a;
  return {title, EncodeCommand(args), 0};
}

Batch BuildBatch(const std::string& command, int pipeline) {
  Batch batch;
  for (int i = 0; i < pipeline; ++i) batch.bytes += command;
  for (size_t at = batch.bytes.find(kPlaceholder); at != std::string::npos;
       at = batch.bytes.find(kPlaceholder, at + kPlaceholderLen)) {
    batch.placeholders.push_back(static_cast<uint32_t>(at));
  }
  return batch;
}

void FillPlaceholders(char* bytes, const std::vector<uint32_t>& placeholders, uint64_t keyspace,
                      uint64_t* next_random) {
  uint64_t x = *next_random;
  for (uint32_t at : placeholders) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    uint64_t r = (x * 0x2545F4914F6CDD1DULL >> 11) % keyspace;
    char* p = bytes + at + kPlaceholderLen;
    for (size_t j = 0; j < kPlaceholderLen; ++j) {
      *--p = static_cast<char>('0' + r % 10);
      r /= 10;
    }
  }
  *next_random = x;
}

}  // namespace rill::load
