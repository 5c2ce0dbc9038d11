/*
 * nexmark_queries.h -- Nexmark queries as hand-written DataStream jobs (issue 6):
 * each takes the Nexmark source's stream and returns the query's result stream, so the
 * CLI's `strom nexmark run` and the tests run exactly the same jobs.
 */
#ifndef STROM_NEXMARK_QUERIES_H
#define STROM_NEXMARK_QUERIES_H

#include "strom.h"

/* The result stream of query q (0, 1 or 2 so far), or NULL for another query.
 * Results:
 *   q0  every bid: (auction, bidder, price, channel, url, date_time, extra)
 *   q1  every bid with the price in euros: (auction, bidder, price DECIMAL(18,3) =
 *       price * 0.908, date_time)
 *   q2  bids on auctions whose id is a multiple of 123: (auction, price) */
strom_stream *strom__nexmark_query(strom_env *env, int q, strom_stream *events);

#endif
