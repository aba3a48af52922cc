/*
 * Round trips: sequential one-element transactions on one socket. Each batch
 * requests an ACK for its NEWSETELEM message and waits for it before the next
 * one is sent. Prints the latency of every round trip in nanoseconds, one per line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>

#include "floor.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Builds BEGIN, NEWSETELEM with one element, END; returns the batch length. */
static size_t build_one(char *buf, const uint8_t *key, uint32_t key_len, uint32_t *seq,
			uint32_t *element_seq)
{
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_set_elem *elem = nftnl_set_elem_alloc();
	struct nlmsghdr *nlh;
	size_t len = 0;

	if (!set || !elem)
		return 0;
	nftnl_set_set_str(set, NFTNL_SET_TABLE, FLOOR_TABLE);
	nftnl_set_set_str(set, NFTNL_SET_NAME, FLOOR_SET);
	nftnl_set_elem_set(elem, NFTNL_SET_ELEM_KEY, key, key_len);
	nftnl_set_elem_add(set, elem);

	nlh = nftnl_batch_begin(buf, (*seq)++);
	len += nlh->nlmsg_len;

	*element_seq = *seq;
	nlh = nftnl_nlmsg_build_hdr(buf + len, NFT_MSG_NEWSETELEM, NFPROTO_INET,
				    NLM_F_CREATE | NLM_F_ACK, (*seq)++);
	nftnl_set_elems_nlmsg_build_payload(nlh, set);
	len += nlh->nlmsg_len;

	nlh = nftnl_batch_end(buf + len, (*seq)++);
	len += nlh->nlmsg_len;

	nftnl_set_free(set);
	return len;
}

int command_roundtrip(const struct element_list *list, size_t count)
{
	char buf[4096];
	struct mnl_socket *nl;
	uint64_t *latencies;
	uint32_t seq = 1;

	if (list->interval || count > list->count) {
		fprintf(stderr, "nftfloor: round trips need %zu plain elements, file has %zu\n",
			count, list->count);
		return 1;
	}
	latencies = calloc(count, sizeof(*latencies));
	nl = open_socket();
	if (!latencies || !nl)
		return 1;

	for (size_t i = 0; i < count; i++) {
		uint64_t start = now_ns();
		uint32_t element_seq;
		size_t len = build_one(buf, list->starts + i * list->key_len, list->key_len,
				       &seq, &element_seq);

		if (len == 0 || mnl_socket_sendto(nl, buf, len) < 0) {
			perror("nftfloor: sendmsg");
			return 1;
		}
		if (wait_for_ack(nl, element_seq) < 0)
			return 1;
		latencies[i] = now_ns() - start;
	}

	for (size_t i = 0; i < count; i++)
		printf("%llu\n", (unsigned long long)latencies[i]);
	mnl_socket_close(nl);
	free(latencies);
	return 0;
}
