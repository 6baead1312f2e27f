/* tune_cmd.h - `varscope tune ...`, tuning CLBlast's GEMM for a device. */
#ifndef VS_TOOL_TUNE_CMD_H
#define VS_TOOL_TUNE_CMD_H

/* argv[0] is "tune". Returns the exit status: 0 done, 1 a failure, 2 usage. */
int vs_tool_tune(int argc, char **argv);

#endif
