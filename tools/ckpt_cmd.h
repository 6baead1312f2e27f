/* ckpt_cmd.h - `varscope ckpt ...`, the checkpoint subcommands of the tool. */
#ifndef VS_TOOL_CKPT_CMD_H
#define VS_TOOL_CKPT_CMD_H

/* argv[0] is "ckpt"; argv[1] the subcommand: "ls FILE" or "diff A B".
 * Returns the exit status: 0 (diff: identical), 1 (diff: different, or an
 * error reading a checkpoint), 2 (usage). */
int vs_tool_ckpt(int argc, char **argv);

#endif
