/*
 * Load: one batch that creates table inet t and set s and adds every element,
 * sent with one sendmsg() so that the kernel applies it as one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "floor.h"

/*
 * An NFTA_SET_ELEM_LIST_ELEMENTS nest has a 16-bit length, so one message
 * carries at most 65535 bytes of elements, less the 4-byte nest header.
 */
#define MAX_ELEMENTS_PAYLOAD (65535 - 4)
/* Room for one message: the nest plus headers, names and one overflowing element. */
#define MAX_MESSAGE_SIZE (MAX_ELEMENTS_PAYLOAD + 8192)

/* Encoded size of one element nest: nest, KEY nest, DATA_VALUE, optional FLAGS. */
static size_t element_size(uint32_t key_len, bool interval_end)
{
	return 4 + 4 + 4 + ((key_len + 3) & ~3u) + (interval_end ? 8 : 0);
}

static struct nftnl_set *new_set(const struct element_list *list)
{
	struct nftnl_set *set = nftnl_set_alloc();

	if (!set)
		return NULL;
	nftnl_set_set_str(set, NFTNL_SET_TABLE, FLOOR_TABLE);
	nftnl_set_set_str(set, NFTNL_SET_NAME, FLOOR_SET);
	nftnl_set_set_u32(set, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(set, NFTNL_SET_KEY_LEN, list->key_len);
	nftnl_set_set_u32(set, NFTNL_SET_KEY_TYPE, list->family == AF_INET ?
			  FLOOR_TYPE_IPV4_ADDR : FLOOR_TYPE_IPV6_ADDR);
	nftnl_set_set_u32(set, NFTNL_SET_FLAGS, list->interval ? NFT_SET_INTERVAL : 0);
	nftnl_set_set_u32(set, NFTNL_SET_ID, 1);
	return set;
}

static int add_element(struct nftnl_set *set, const uint8_t *key, uint32_t key_len,
		       bool interval_end)
{
	struct nftnl_set_elem *elem = nftnl_set_elem_alloc();

	if (!elem)
		return -1;
	nftnl_set_elem_set(elem, NFTNL_SET_ELEM_KEY, key, key_len);
	if (interval_end)
		nftnl_set_elem_set_u32(elem, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	nftnl_set_elem_add(set, elem);
	return 0;
}

static int build_table_and_set(struct batch_buffer *batch, const struct element_list *list,
			       uint32_t *seq)
{
	struct nftnl_table *table = nftnl_table_alloc();
	struct nftnl_set *set = new_set(list);
	struct nlmsghdr *nlh;

	if (!table || !set || batch_reserve(batch, 2 * 4096) < 0)
		return -1;

	nftnl_table_set_str(table, NFTNL_TABLE_NAME, FLOOR_TABLE);
	nftnl_table_set_u32(table, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nlh = nftnl_nlmsg_build_hdr(batch->data + batch->len, NFT_MSG_NEWTABLE,
				    NFPROTO_INET, NLM_F_CREATE, (*seq)++);
	nftnl_table_nlmsg_build_payload(nlh, table);
	batch_commit(batch, nlh);

	nlh = nftnl_nlmsg_build_hdr(batch->data + batch->len, NFT_MSG_NEWSET,
				    NFPROTO_INET, NLM_F_CREATE, (*seq)++);
	nftnl_set_nlmsg_build_payload(nlh, set);
	batch_commit(batch, nlh);

	nftnl_table_free(table);
	nftnl_set_free(set);
	return 0;
}

/*
 * Adds NEWSETELEM messages for elements [first, return value). Only one
 * message's worth of elements exists as libnftnl objects at a time, so memory
 * stays flat for any element count.
 */
static ssize_t build_element_messages(struct batch_buffer *batch,
				      const struct element_list *list, size_t first,
				      uint32_t *seq)
{
	struct nftnl_set *set = new_set(list);
	struct nftnl_set_elems_iter *iter;
	size_t bytes = 0, i = first;
	int more;

	if (!set)
		return -1;
	for (; i < list->count; i++) {
		bool has_end = list->interval && list->has_end[i];
		size_t size = element_size(list->key_len, false) +
			      (has_end ? element_size(list->key_len, true) : 0);

		if (bytes + size > MAX_ELEMENTS_PAYLOAD)
			break;
		bytes += size;
		if (add_element(set, list->starts + i * list->key_len, list->key_len, false) < 0)
			return -1;
		if (has_end && add_element(set, list->ends + i * list->key_len,
					   list->key_len, true) < 0)
			return -1;
	}

	/* The iterator splits again if the size estimate above was ever short. */
	iter = nftnl_set_elems_iter_create(set);
	if (!iter)
		return -1;
	do {
		struct nlmsghdr *nlh;

		if (batch_reserve(batch, MAX_MESSAGE_SIZE) < 0)
			return -1;
		nlh = nftnl_nlmsg_build_hdr(batch->data + batch->len, NFT_MSG_NEWSETELEM,
					    NFPROTO_INET, NLM_F_CREATE, (*seq)++);
		more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, iter);
		batch_commit(batch, nlh);
	} while (more > 0);

	nftnl_set_elems_iter_destroy(iter);
	nftnl_set_free(set);
	return (ssize_t)i;
}

int command_load(const struct element_list *list)
{
	struct batch_buffer batch = { 0 };
	uint32_t seq = 1, messages;
	struct mnl_socket *nl;
	ssize_t sent;
	size_t next = 0;

	if (batch_reserve(&batch, 4096) < 0)
		return 1;
	batch_commit(&batch, nftnl_batch_begin(batch.data, seq++));
	if (build_table_and_set(&batch, list, &seq) < 0)
		return 1;
	while (next < list->count) {
		ssize_t end = build_element_messages(&batch, list, next, &seq);

		if (end < 0) {
			fprintf(stderr, "nftfloor: cannot build element messages\n");
			return 1;
		}
		next = (size_t)end;
	}
	if (batch_reserve(&batch, 4096) < 0)
		return 1;
	batch_commit(&batch, nftnl_batch_end(batch.data + batch.len, seq++));
	messages = seq - 1;

	nl = open_socket();
	if (!nl)
		return 1;

	/* The whole batch must fit the send buffer; each error reply costs ~1 KiB. */
	if (set_socket_buffer(nl, SO_SNDBUF, SO_SNDBUFFORCE, batch.len + 4096) < 0 ||
	    set_socket_buffer(nl, SO_RCVBUF, SO_RCVBUFFORCE,
			      (size_t)messages * 1024 + 65536) < 0)
		return 1;

	sent = mnl_socket_sendto(nl, batch.data, batch.len);
	if (sent < 0 || (size_t)sent != batch.len) {
		perror("nftfloor: sendmsg");
		return 1;
	}
	if (drain_errors(nl) < 0)
		return 1;

	mnl_socket_close(nl);
	free(batch.data);
	return 0;
}
