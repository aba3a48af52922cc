/* Parsing of element files: one IPv4/IPv6 address, or IPv4 prefix, a line. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floor.h"

static int grow(struct element_list *list, size_t *cap)
{
	size_t next = *cap ? *cap * 2 : 4096;

	list->starts = realloc(list->starts, next * list->key_len);
	if (list->interval) {
		list->ends = realloc(list->ends, next * list->key_len);
		list->has_end = realloc(list->has_end, next);
	}
	if (!list->starts || (list->interval && (!list->ends || !list->has_end)))
		return -1;
	*cap = next;
	return 0;
}

/*
 * Turns "a.b.c.d/len" into the range [start, end). The end is the first address
 * after the prefix. A prefix that reaches 255.255.255.255 gets no end element,
 * and the kernel reads such a start as a range open to the maximum.
 */
static int parse_ipv4_prefix(char *text, uint8_t *start, uint8_t *end,
			     uint8_t *has_end)
{
	char *slash = strchr(text, '/');
	unsigned long prefix_len = 32;
	struct in_addr addr;
	uint64_t first, size;
	uint32_t mask, be;

	if (slash) {
		*slash = '\0';
		prefix_len = strtoul(slash + 1, NULL, 10);
		if (prefix_len > 32)
			return -1;
	}
	if (inet_pton(AF_INET, text, &addr) != 1)
		return -1;

	mask = prefix_len ? 0xffffffffu << (32 - prefix_len) : 0;
	first = ntohl(addr.s_addr) & mask;
	size = 1ull << (32 - prefix_len);
	be = htonl((uint32_t)first);
	memcpy(start, &be, 4);

	*has_end = first + size <= 0xffffffffull;
	be = htonl((uint32_t)(first + size));
	memcpy(end, &be, 4);
	return 0;
}

int read_elements(const char *path, int family, bool interval,
		  struct element_list *list)
{
	char line[128];
	size_t cap = 0;
	FILE *file;

	if (interval && family != AF_INET) {
		fprintf(stderr, "nftfloor: interval sets are supported for ipv4 only\n");
		return -1;
	}

	memset(list, 0, sizeof(*list));
	list->family = family;
	list->interval = interval;
	list->key_len = family == AF_INET ? 4 : 16;

	file = fopen(path, "r");
	if (!file) {
		fprintf(stderr, "nftfloor: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}

	while (fgets(line, sizeof(line), file)) {
		size_t i = list->count;
		uint8_t *start;
		int ok;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (i == cap && grow(list, &cap) < 0) {
			fprintf(stderr, "nftfloor: out of memory\n");
			fclose(file);
			return -1;
		}

		start = list->starts + i * list->key_len;
		if (interval)
			ok = parse_ipv4_prefix(line, start, list->ends + i * 4,
					       &list->has_end[i]) == 0;
		else
			ok = inet_pton(family, line, start) == 1;
		if (!ok) {
			fprintf(stderr, "nftfloor: invalid element \"%s\" in %s\n", line, path);
			fclose(file);
			return -1;
		}
		list->count++;
	}

	fclose(file);
	return 0;
}

void free_elements(struct element_list *list)
{
	free(list->starts);
	free(list->ends);
	free(list->has_end);
	memset(list, 0, sizeof(*list));
}
