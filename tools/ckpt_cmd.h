/* ckpt_cmd.h - `varscope ckpt ...`, the checkpoint subcommands of the tool. */
#ifndef VS_TOOL_CKPT_CMD_H
#define VS_TOOL_CKPT_CMD_H

/* argv[0] is "ckpt"; argv[1] the subcommand: "ls [--json] PATH" or
 * "diff A B"; --help/-h anywhere prints the usage on stdout (exit 0).
 * Returns the exit status: ls 0, or 1 when the checkpoint cannot be read;
 * diff 0 identical, 1 different, 2 on a read error; 2 on a usage error
 * (unknown subcommand or option, wrong number of paths). */
int vs_tool_ckpt(int argc, char **argv);

#endif
