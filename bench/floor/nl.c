/* Netlink socket helpers shared by the nftfloor commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter/nfnetlink.h>

#include "floor.h"

/* Large enough for one 32 KiB dump datagram or a burst of error replies. */
#define RECV_BUFFER_SIZE (64 * 1024 + 4096)

struct mnl_socket *open_socket(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);

	if (!nl) {
		perror("nftfloor: mnl_socket_open");
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("nftfloor: mnl_socket_bind");
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

/*
 * Raises a socket buffer to at least `bytes`. The FORCE variant ignores
 * net.core.wmem_max/rmem_max but needs CAP_NET_ADMIN in the initial user
 * namespace; without it the plain option applies and stays capped.
 */
int set_socket_buffer(struct mnl_socket *nl, int option, int force_option,
		      size_t bytes)
{
	int fd = mnl_socket_get_fd(nl);
	int value = bytes > (size_t)(1 << 30) ? 1 << 30 : (int)bytes;

	if (setsockopt(fd, SOL_SOCKET, force_option, &value, sizeof(value)) == 0)
		return 0;
	if (errno != EPERM) {
		perror("nftfloor: setsockopt");
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, option, &value, sizeof(value)) < 0) {
		perror("nftfloor: setsockopt");
		return -1;
	}
	return 0;
}

/* Prints one NLMSG_ERROR reply; returns its errno, 0 for an ACK. */
static int report_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	if (err->error == 0)
		return 0;
	fprintf(stderr, "nftfloor: kernel rejected message seq %u: %s\n",
		nlh->nlmsg_seq, strerror(-err->error));
	return -err->error;
}

/*
 * Reads every queued reply without blocking. The kernel processes a batch
 * inside sendmsg(), so all errors are queued by the time this runs.
 */
int drain_errors(struct mnl_socket *nl)
{
	static char buf[RECV_BUFFER_SIZE];
	int failed = 0;

	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int remaining = (int)n;

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			/* ENOBUFS: replies were dropped, so the outcome is unknown. */
			perror("nftfloor: recv");
			return -1;
		}
		for (; mnl_nlmsg_ok(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining))
			if (nlh->nlmsg_type == NLMSG_ERROR && report_error(nlh))
				failed = 1;
	}
	return failed ? -1 : 0;
}

/* Blocks until the ACK or error for `seq` arrives. */
int wait_for_ack(struct mnl_socket *nl, uint32_t seq)
{
	static char buf[RECV_BUFFER_SIZE];

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int remaining = (int)n;

		if (n < 0) {
			perror("nftfloor: recv");
			return -1;
		}
		for (; mnl_nlmsg_ok(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (report_error(nlh))
				return -1;
			if (nlh->nlmsg_seq == seq)
				return 0;
		}
	}
}

int batch_reserve(struct batch_buffer *batch, size_t bytes)
{
	size_t cap = batch->cap ? batch->cap : 1 << 20;
	char *data;

	if (batch->cap - batch->len >= bytes)
		return 0;
	while (cap - batch->len < bytes)
		cap *= 2;
	data = realloc(batch->data, cap);
	if (!data) {
		fprintf(stderr, "nftfloor: out of memory for a %zu-byte batch\n", cap);
		return -1;
	}
	batch->data = data;
	batch->cap = cap;
	return 0;
}

/* Appends the message just built at data + len; mnl keeps nlmsg_len aligned. */
void batch_commit(struct batch_buffer *batch, const struct nlmsghdr *nlh)
{
	batch->len += nlh->nlmsg_len;
}
