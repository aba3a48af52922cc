/*
 * nftfloor: the thinnest userspace loader and lister for nftables sets, built on
 * libnftnl and libmnl. The benchmark uses it as the lower bound for what any
 * userspace tool can reach, and to count set elements after each load.
 */
#ifndef NFTFLOOR_H
#define NFTFLOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/* Every workload uses the same objects: table inet t, set s. */
#define FLOOR_TABLE "t"
#define FLOOR_SET "s"

/* nft datatype ids sent as NFTA_SET_KEY_TYPE (nft's include/datatype.h). */
#define FLOOR_TYPE_IPV4_ADDR 7
#define FLOOR_TYPE_IPV6_ADDR 8

/* Elements read from an input file, one address or prefix a line. */
struct element_list {
	int family;        /* AF_INET or AF_INET6 */
	bool interval;     /* prefixes become [start, end) ranges */
	uint32_t key_len;  /* 4 or 16 bytes */
	size_t count;
	uint8_t *starts;   /* count * key_len bytes, network byte order */
	uint8_t *ends;     /* interval only: first address after each range */
	uint8_t *has_end;  /* interval only: 0 when the range runs to the maximum */
};

int read_elements(const char *path, int family, bool interval,
		  struct element_list *list);
void free_elements(struct element_list *list);

/* Socket helpers (nl.c). Each returns 0 or -1 with a message on stderr. */
struct mnl_socket *open_socket(void);
int set_socket_buffer(struct mnl_socket *nl, int option, int force_option,
		      size_t bytes);
int drain_errors(struct mnl_socket *nl);
int wait_for_ack(struct mnl_socket *nl, uint32_t seq);

/* Growable buffer that contains one batch of netlink messages. */
struct batch_buffer {
	char *data;
	size_t len;
	size_t cap;
};

int batch_reserve(struct batch_buffer *batch, size_t bytes);
void batch_commit(struct batch_buffer *batch, const struct nlmsghdr *nlh);

/* Commands (load.c, list.c, roundtrip.c). They return a process exit code. */
int command_load(const struct element_list *list);
int command_list(int family);
int command_roundtrip(const struct element_list *list, size_t count);

#endif
