/*
 * List: dump set inet t s with NFT_MSG_GETSETELEM, decode every element key
 * into one flat array and print the counts.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>

#include "floor.h"

#define DUMP_BUFFER_SIZE (64 * 1024 + 4096)

struct listing {
	uint32_t key_len;
	uint8_t *keys;        /* starts and ends, in dump order */
	size_t count;         /* elements without NFT_SET_ELEM_INTERVAL_END */
	size_t interval_ends; /* elements with it */
	size_t cap;
};

static int store_key(struct listing *out, const struct nlattr *key)
{
	const struct nlattr *value;

	mnl_attr_for_each_nested(value, key) {
		if (mnl_attr_get_type(value) != NFTA_DATA_VALUE)
			continue;
		if (mnl_attr_get_payload_len(value) != out->key_len) {
			fprintf(stderr, "nftfloor: key of %u bytes, expected %u\n",
				mnl_attr_get_payload_len(value), out->key_len);
			return -1;
		}
		if (out->count + out->interval_ends == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 65536;
			out->keys = realloc(out->keys, out->cap * out->key_len);
			if (!out->keys)
				return -1;
		}
		memcpy(out->keys + (out->count + out->interval_ends) * out->key_len,
		       mnl_attr_get_payload(value), out->key_len);
		return 0;
	}
	fprintf(stderr, "nftfloor: element without NFTA_DATA_VALUE\n");
	return -1;
}

static int decode_element(struct listing *out, const struct nlattr *elem)
{
	const struct nlattr *attr, *key = NULL;
	uint32_t flags = 0;

	mnl_attr_for_each_nested(attr, elem) {
		if (mnl_attr_get_type(attr) == NFTA_SET_ELEM_KEY)
			key = attr;
		else if (mnl_attr_get_type(attr) == NFTA_SET_ELEM_FLAGS)
			flags = ntohl(mnl_attr_get_u32(attr));
	}
	if (!key || store_key(out, key) < 0)
		return -1;
	if (flags & NFT_SET_ELEM_INTERVAL_END)
		out->interval_ends++;
	else
		out->count++;
	return 0;
}

static int decode_message(struct listing *out, const struct nlmsghdr *nlh)
{
	const struct nlattr *attr, *elem;

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(attr) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(elem, attr)
			if (decode_element(out, elem) < 0)
				return -1;
	}
	return 0;
}

static int send_dump_request(struct mnl_socket *nl, uint32_t seq)
{
	char buf[4096];
	struct nftnl_set *set = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!set)
		return -1;
	nftnl_set_set_str(set, NFTNL_SET_TABLE, FLOOR_TABLE);
	nftnl_set_set_str(set, NFTNL_SET_NAME, FLOOR_SET);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP, seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, set);
	nftnl_set_free(set);

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("nftfloor: sendto");
		return -1;
	}
	return 0;
}

/* Reads dump parts until NLMSG_DONE; returns 0, or -1 after printing why. */
static int receive_dump(struct mnl_socket *nl, struct listing *out)
{
	static char buf[DUMP_BUFFER_SIZE];

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int remaining = (int)n;

		if (n < 0) {
			perror("nftfloor: recv");
			return -1;
		}
		for (; mnl_nlmsg_ok(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining)) {
			const int *status = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
				if (*status != 0)
					fprintf(stderr, "nftfloor: listing set %s failed: %s\n",
						FLOOR_SET, strerror(-*status));
				return *status == 0 && nlh->nlmsg_type == NLMSG_DONE ? 0 : -1;
			}
			if (decode_message(out, nlh) < 0)
				return -1;
		}
	}
}

int command_list(int family)
{
	struct listing out = { .key_len = family == AF_INET ? 4 : 16 };
	struct mnl_socket *nl = open_socket();

	if (!nl)
		return 1;
	if (send_dump_request(nl, 1) < 0 || receive_dump(nl, &out) < 0)
		return 1;

	printf("elements %zu\ninterval_ends %zu\n", out.count, out.interval_ends);
	mnl_socket_close(nl);
	free(out.keys);
	return 0;
}
