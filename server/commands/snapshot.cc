// RDB snapshot commands: SAVE, BGSAVE [SCHEDULE], LASTSAVE.
#include "common/string_util.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"
#include "server/persist/persistence.h"

namespace rill {
namespace {

void CmdSave(CommandContext& ctx) {
  RdbPersistence& rdb = ctx.engine.rdb();
  if (rdb.bgsave_in_progress()) {
    ctx.reply.Error("ERR Background save already in progress");
    return;
  }
  if (rdb.SaveCommand()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error("ERR");
  }
}

void CmdBgsave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.argc() > 1) {
    if (ctx.argc() == 2 && EqualsIgnoreCase(ctx.args[1], "SCHEDULE")) {
      schedule = true;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  RdbPersistence& rdb = ctx.engine.rdb();
  if (rdb.bgsave_in_progress()) {
    ctx.reply.Error("ERR Background save already in progress");
  } else if (ctx.engine.children().active() || ctx.client.in_exec) {
    if (schedule || ctx.client.in_exec) {
      rdb.ScheduleBackgroundSave();
      ctx.reply.Simple("Background saving scheduled");
    } else {
      ctx.reply.Error(
          "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
          "SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
  } else if (rdb.BackgroundSave()) {
    ctx.reply.Simple("Background saving started");
  } else {
    ctx.reply.Error("ERR");
  }
}

void CmdLastSave(CommandContext& ctx) { ctx.reply.Integer(ctx.engine.stats().last_save_time); }

}  // namespace

void RegisterSnapshotCommands(CommandTable& table) {
  table.Add("save", &CmdSave);
  table.Add("bgsave", &CmdBgsave);
  table.Add("lastsave", &CmdLastSave);
}

}  // namespace rill
