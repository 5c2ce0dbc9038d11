/*
 * nexmark_queries.h -- Nexmark queries as hand-written DataStream jobs (issue 6):
 * each takes the Nexmark source's stream and returns the query's result stream, so the
 * CLI's `strom nexmark run` and the tests run exactly the same jobs.  The queries use
 * only the public API (include/strom.h): they are what a user would write, and the
 * cost of the SQL layer is measured against them.
 */
#ifndef STROM_NEXMARK_QUERIES_H
#define STROM_NEXMARK_QUERIES_H

#include "strom.h"

/* Event time of the queries that need it (q4, q5, q7, q8): the event's date_time with
 * the watermark 4 s behind, as Flink's suite declares on its source table
 * (WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND). */
#define STROM_NEXMARK_WATERMARK_DELAY_MS 4000

/* Latency probe of the windowed queries (q5, q7, q8): how long after the watermark
 * passed a window's end its results were emitted, in wall time.  The watermark
 * generators record, per source subtask, the wall time at which their watermark first
 * passed each window end (or their input ended, which sends the final watermark); the
 * window has passed for the job when every subtask's has, the latest of those times.
 * The query's last operator records one sample per result row: its emission time
 * minus that.  Window ends are on a 2 s grid (q5's slide; q7 and q8 use 10 s). */
typedef struct strom__nexmark_latency strom__nexmark_latency;
strom__nexmark_latency *strom__nexmark_latency_new(void);
void strom__nexmark_latency_free(strom__nexmark_latency *lat);
/* Samples so far and their 50th/99th percentiles in milliseconds (0 without samples). */
size_t strom__nexmark_latency_stats(strom__nexmark_latency *lat, double *p50_ms, double *p99_ms);

/* Called by the query code (nexmark_q*.c): the watermark strategy of the event-time
 * queries, which feeds lat when it is not NULL; the finish function of an operator
 * chained to the source whose data is lat (or NULL), which notes the end of the input;
 * one sample for a result of the window ending at window_end_ms. */
strom_watermark_strategy strom__nexmark_watermarks(strom__nexmark_latency *lat);
int strom__nexmark_input_ended(strom_ctx *ctx, strom_out *out);
void strom__nexmark_latency_sample(strom__nexmark_latency *lat, int subtask, int64_t window_end_ms);

/* The result stream of query q, or NULL for a query not written yet (q6, q9 and up)
 * after recording nothing.  lat may be NULL (no latency measurement).
 * Results (every row of q4 is an update, see below):
 *   q0  every bid: (auction, bidder, price, channel, url, date_time, extra)
 *   q1  every bid with the price in euros: (auction, bidder, price DECIMAL(18,3) =
 *       price * 0.908, date_time)
 *   q2  bids on auctions whose id is a multiple of 123: (auction, price)
 *   q3  (name, city, state, auction id) for every auction of category 10 whose seller
 *       lives in OR, ID or CA: an inner join of all auctions and people seen so far, so
 *       a pair is emitted once, when its second side arrives (append-only)
 *   q4  (category, avg): the average over the category's auctions of their winning
 *       (highest) bid made between the auction's date_time and expires, both included
 *       (AVG of BIGINT: truncated).  An update stream: a row each time the average
 *       changes (Flink's changelog would carry -U/+U pairs and the intermediate state
 *       between an auction's retraction and its new value; here one row per change, the
 *       last row of a category being its current value)
 *   q5  (auction, num, window_start, window_end): in each sliding window of 10 s every
 *       2 s, the auctions with the most bids (all of them on a tie); the window columns
 *       are extra to Flink's (auction, num)
 *   q7  (auction, price, bidder, date_time, extra): the bids with the highest price of
 *       each 10 s tumbling window, with Flink's join condition: a bid at date_time in
 *       [window_end - 10 s, window_end] (so a bid exactly at window_end also matches
 *       the window before its own) whose price equals the window's highest
 *   q8  (id, name, starttime): people who opened an auction in the same 10 s tumbling
 *       window as they registered, once per person and window */
strom_stream *strom__nexmark_query(strom_env *env, int q, strom_stream *events);
strom_stream *strom__nexmark_query_probed(strom_env *env, int q, strom_stream *events, strom__nexmark_latency *lat);

/* One query each (nexmark_q3.c ... nexmark_q8.c). */
strom_stream *strom__nexmark_q3(strom_env *env, strom_stream *events);
strom_stream *strom__nexmark_q4(strom_env *env, strom_stream *events, strom__nexmark_latency *lat);
strom_stream *strom__nexmark_q5(strom_env *env, strom_stream *events, strom__nexmark_latency *lat);
strom_stream *strom__nexmark_q7(strom_env *env, strom_stream *events, strom__nexmark_latency *lat);
strom_stream *strom__nexmark_q8(strom_env *env, strom_stream *events, strom__nexmark_latency *lat);

#endif
