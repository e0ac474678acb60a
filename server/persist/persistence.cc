#include "server/persist/persistence.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "server/observe/log.h"

namespace rill {

Persistence::Persistence(Engine& engine)
    : rdb_(engine), aof_(std::make_unique<AppendOnlyFile>(engine)) {}

Persistence::~Persistence() = default;

std::string_view Persistence::AofWriteDeniedError(std::string* scratch) const {
  // The AOF could not be written: no write may be acknowledged until it can.
  *scratch = absl::StrCat("MISCONF Errors writing to the AOF file: ",
                          std::strerror(aof_->last_write_errno()));
  return *scratch;
}

bool Persistence::PrepareShutdown(bool nosave, bool save, bool force) {
  if (!aof_->PrepareShutdown(force)) {
    Log(LogLevel::kWarning,
        "Errors trying to shut down the server. Check the logs for more information.");
    return false;
  }
  if (!rdb_.PrepareShutdown(nosave, save)) {
    if (force) {
      Log(LogLevel::kWarning, "Error trying to save the DB. Exit anyway.");
    } else {
      Log(LogLevel::kWarning, "Error trying to save the DB, can't exit.");
      Log(LogLevel::kWarning,
          "Errors trying to shut down the server. Check the logs for more information.");
      return false;
    }
  }
  // A child of another kind (an AOF rewrite) does not outlive the server either.
  children_.Kill(/*run_done=*/false);
  return true;
}

}  // namespace rill
