/*
 * serve.h: entry point of `labhit serve`.
 */
#ifndef LH_SERVE_H
#define LH_SERVE_H

int serve_cli_main(int argc, char **argv);

#endif
