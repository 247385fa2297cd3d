/* main.c -- spetl's entry point: parse the command line, dispatch, exit. */
#include "spetl/cli.h"
#include "spetl/platform.h"

int main(int argc, char **argv)
{
    argv = sp_os_args(&argc, argv);   /* UTF-8 (Windows reads it as UTF-16) */
    return sp_cli_main(argc, argv);
}
