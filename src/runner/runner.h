/*
 * runner.h: the runner process (`labhit runner`, exec'd by the master with
 * its control channel on fd 3). It connects to the runner socket, says
 * HELLO, heartbeats, and (with the runs issue) claims and executes runs.
 */
#ifndef LH_RUNNER_H
#define LH_RUNNER_H

#define LH_RUNNER_CHANNEL_FD 3

int runner_cli_main(int argc, char **argv);

#endif
