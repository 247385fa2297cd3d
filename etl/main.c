/* main.c -- spetl's entry point: parse the command line, dispatch, exit. */
#include "spetl/cli.h"

int main(int argc, char **argv)
{
    return sp_cli_main(argc, argv);
}
