// The two halves of an atomic RDB save (persistence/rdb_file.h): a BGSAVE child writes only the
// temp file (WriteRdbTempFile) and the parent renames it (CommitRdbFile), so a child can never
// replace the final file by itself.
#include "persistence/rdb_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "datastructs/keyspace.h"

namespace rill::persistence {
namespace {

class RdbFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "rill-rdbfile-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    db_.SetString("k", "v");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  static bool Exists(const std::string& path) { return std::filesystem::exists(path); }

  std::vector<const ds::Database*> dbs() const { return {&db_}; }

  std::string dir_;
  ds::Database db_;
};

TEST_F(RdbFileTest, TempFileFirstThenCommit) {
  std::ofstream(Path("dump.rdb")) << "older";
  const SaveFileResult w = WriteRdbTempFile(Path("temp-1.rdb"), dbs(), RdbSaveOptions{}, false);
  ASSERT_EQ(w.step, SaveFileResult::kOk) << w.message;
  EXPECT_EQ(w.keys, 1u);
  EXPECT_GT(w.bytes, 9u);
  // Only the temp file was written: the final one is untouched until the commit.
  EXPECT_EQ(Read(Path("dump.rdb")), "older");
  const std::string snapshot = Read(Path("temp-1.rdb"));
  EXPECT_TRUE(snapshot.starts_with("REDIS0010"));

  const SaveFileResult c = CommitRdbFile(Path("temp-1.rdb"), Path("dump.rdb"));
  ASSERT_EQ(c.step, SaveFileResult::kOk) << c.message;
  EXPECT_EQ(Read(Path("dump.rdb")), snapshot);
  EXPECT_FALSE(Exists(Path("temp-1.rdb")));
}

TEST_F(RdbFileTest, FailuresLeaveTheFinalFileAndNoTempFile) {
  std::ofstream(Path("dump.rdb")) << "older";
  // Cannot open: a directory that does not exist.
  SaveFileResult r = WriteRdbTempFile(Path("nodir/temp-2.rdb"), dbs(), RdbSaveOptions{}, false);
  EXPECT_EQ(r.step, SaveFileResult::kOpen);
  EXPECT_EQ(r.saved_errno, ENOENT);
  // Cannot rename: the target's directory does not exist; the temp file goes.
  ASSERT_EQ(WriteRdbTempFile(Path("temp-3.rdb"), dbs(), RdbSaveOptions{}, false).step,
            SaveFileResult::kOk);
  r = CommitRdbFile(Path("temp-3.rdb"), Path("nodir/dump.rdb"));
  EXPECT_EQ(r.step, SaveFileResult::kRename);
  EXPECT_FALSE(Exists(Path("temp-3.rdb")));
  // A missing temp file (a child that never finished) cannot be committed either.
  r = CommitRdbFile(Path("temp-4.rdb"), Path("dump.rdb"));
  EXPECT_EQ(r.step, SaveFileResult::kRename);
  EXPECT_EQ(Read(Path("dump.rdb")), "older");
}

TEST_F(RdbFileTest, SaveRdbFileIsBothHalves) {
  const SaveFileResult r =
      SaveRdbFile(Path("dump.rdb"), Path("temp-5.rdb"), dbs(), RdbSaveOptions{}, false);
  ASSERT_EQ(r.step, SaveFileResult::kOk) << r.message;
  EXPECT_EQ(r.keys, 1u);
  EXPECT_EQ(std::filesystem::file_size(Path("dump.rdb")), r.bytes);
  EXPECT_FALSE(Exists(Path("temp-5.rdb")));
}

}  // namespace
}  // namespace rill::persistence
