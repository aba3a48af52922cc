/*
 * nftfloor COMMAND ...
 *
 *   load ipv4|ipv6 hash|interval FILE   create table inet t, set s and add FILE
 *   list ipv4|ipv6                      dump set inet t s, print element counts
 *   roundtrip ipv4|ipv6 FILE COUNT      COUNT one-element adds, latencies in ns
 *
 * Works in the caller's network namespace. The set name, table and family are
 * fixed because every benchmark workload uses the same ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "floor.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: nftfloor load ipv4|ipv6 hash|interval FILE\n"
		"       nftfloor list ipv4|ipv6\n"
		"       nftfloor roundtrip ipv4|ipv6 FILE COUNT\n");
	return 2;
}

static int parse_family(const char *text)
{
	if (strcmp(text, "ipv4") == 0)
		return AF_INET;
	if (strcmp(text, "ipv6") == 0)
		return AF_INET6;
	return -1;
}

int main(int argc, char **argv)
{
	struct element_list list;
	int family, status;

	if (argc < 3 || (family = parse_family(argv[2])) < 0)
		return usage();

	if (strcmp(argv[1], "list") == 0 && argc == 3)
		return command_list(family);

	if (strcmp(argv[1], "load") == 0 && argc == 5) {
		bool interval = strcmp(argv[3], "interval") == 0;

		if (!interval && strcmp(argv[3], "hash") != 0)
			return usage();
		if (read_elements(argv[4], family, interval, &list) < 0)
			return 1;
		status = command_load(&list);
		free_elements(&list);
		return status;
	}

	if (strcmp(argv[1], "roundtrip") == 0 && argc == 5) {
		char *end;
		unsigned long count = strtoul(argv[4], &end, 10);

		if (*end != '\0' || count == 0)
			return usage();
		if (read_elements(argv[3], family, false, &list) < 0)
			return 1;
		status = command_roundtrip(&list, count);
		free_elements(&list);
		return status;
	}

	return usage();
}
