/*
 * A Node-API binding over the system librdkafka for the exporter's consumer (runtime/kafka/native-consumer.ts
 * is its only user). Records are handed over in bulk: one poll gives one buffer of values (each followed by a
 * newline) and typed arrays of partition, offset, timestamp, length, a "line as is" flag (json_check.h) and
 * where each run of such lines ends,
 * all filled on a libuv worker thread, so the event loop only slices them.
 *
 * Everything that blocks (poll, commit, committed offsets, watermarks, close) runs as async work. librdkafka's
 * callbacks (rebalance, logs, errors, OAUTHBEARER refresh) are served by the poll on that worker thread and
 * returned with the poll's result; the rebalance callback (re)assigns right there, so the JavaScript side
 * sees the assignment before any record of it.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_check.h"

#define CHECK(call)                                                   \
  do {                                                                \
    napi_status status_ = (call);                                     \
    if (status_ != napi_ok) {                                         \
      napi_throw_error(env, NULL, "rdkafka_native: " #call " failed"); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

#define MAX_EVENTS 64
#define MAX_NUDGE_LEADERS 64
#define MAX_LOGS 256

typedef struct {
  int kind; /* 1 assigned, 2 revoked, 3 lost/error */
  rd_kafka_topic_partition_list_t *partitions;
  char *error;
} be_event;

typedef struct {
  int level;
  char *facility;
  char *message;
} be_log;

typedef struct be_consumer {
  rd_kafka_t *rk;
  rd_kafka_queue_t *queue;
  int group; /* subscribes (rebalance callback) rather than assigns */
  int closed;
  /* Filled by callbacks during a poll (only one poll runs at a time). */
  be_event events[MAX_EVENTS];
  int event_count;
  be_log logs[MAX_LOGS];
  int log_count;
  int logs_dropped;
  int token_refresh;
  pthread_mutex_t lock; /* guards logs: librdkafka may log from its own threads before the log queue is set */
  /*
   * The fetch nudger (group consumers). librdkafka 2.0 stops fetching while the consumer queue holds
   * queued.max.messages.kbytes (or queued.min.messages records), and looks again only when something wakes the
   * broker thread: a response, a request to send, or its 1 s tick (`fetch.queue.backoff.ms` of librdkafka 2.2
   * does not exist yet). Polls that took half of either limit ask the nudger thread for the watermarks of one
   * partition per leader (from metadata at most 10 s old), requests that wake every leader's thread, which
   * then fetches again; the poll does not wait for them.
   */
  pthread_t nudger;
  int nudger_started;
  pthread_mutex_t nudge_lock;
  pthread_cond_t nudge_cond;
  int nudge_partition; /* -1 none asked */
  int nudger_stop;
  char *nudge_topic;
  /* One partition per leader of the topic (nudger thread only), and when that was read (ms, monotonic). */
  int32_t nudge_leads[MAX_NUDGE_LEADERS];
  int nudge_lead_count;
  int64_t nudge_leads_at;
  size_t nudge_bytes;   /* bytes taken between nudges: half of queued.max.messages.kbytes */
  size_t taken_bytes;   /* taken since the last nudge (poll thread only) */
  int nudge_records;    /* records taken between nudges: half of queued.min.messages */
  int taken_records;
} be_consumer;

/* ---------------------------------------------------------------- helpers */

static napi_value throw_error(napi_env env, const char *code, const char *message) {
  napi_value error, msg, code_value;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  if (code != NULL) {
    napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value);
    napi_set_named_property(env, error, "code", code_value);
  }
  napi_throw(env, error);
  return NULL;
}

static napi_value make_error(napi_env env, rd_kafka_resp_err_t err, const char *context) {
  char text[1024];
  snprintf(text, sizeof text, "%s: %s", context, rd_kafka_err2str(err));
  napi_value error, msg, code, number;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  napi_create_string_utf8(env, rd_kafka_err2name(err), NAPI_AUTO_LENGTH, &code);
  napi_set_named_property(env, error, "code", code);
  napi_create_int32(env, (int32_t)err, &number);
  napi_set_named_property(env, error, "errno", number);
  return error;
}

static char *get_string(napi_env env, napi_value value) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *out = malloc(length + 1);
  napi_get_value_string_utf8(env, value, out, length + 1, &length);
  return out;
}

static be_consumer *get_consumer(napi_env env, napi_value value) {
  be_consumer *c = NULL;
  if (napi_get_value_external(env, value, (void **)&c) != napi_ok || c == NULL) {
    throw_error(env, NULL, "rdkafka_native: not a consumer handle");
    return NULL;
  }
  if (c->closed) {
    throw_error(env, "ERR__STATE", "rdkafka_native: the consumer is closed");
    return NULL;
  }
  return c;
}

/* The arguments of a call on a consumer handle (argv[0]); NULL (with an exception) when it is not one. */
static be_consumer *consumer_args(napi_env env, napi_callback_info info, size_t count, napi_value *argv) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "rdkafka_native: napi_get_cb_info failed");
    return NULL;
  }
  return get_consumer(env, argv[0]);
}

static int64_t parse_offset(const char *text) { return strtoll(text, NULL, 10); }

/* [{partition, offset?: string, metadata?: Buffer}] -> a partition list of `topic` */
static rd_kafka_topic_partition_list_t *get_partitions(napi_env env, napi_value array, const char *topic) {
  uint32_t length;
  if (napi_get_array_length(env, array, &length) != napi_ok) return NULL;
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)length);
  for (uint32_t i = 0; i < length; i++) {
    napi_value item, value;
    napi_get_element(env, array, i, &item);
    int32_t partition;
    napi_get_named_property(env, item, "partition", &value);
    napi_get_value_int32(env, value, &partition);
    rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_add(list, topic, partition);
    bool has;
    napi_has_named_property(env, item, "offset", &has);
    if (has) {
      napi_get_named_property(env, item, "offset", &value);
      char *text = get_string(env, value);
      if (text != NULL) {
        p->offset = parse_offset(text);
        free(text);
      }
    }
    napi_has_named_property(env, item, "metadata", &has);
    if (has) {
      napi_get_named_property(env, item, "metadata", &value);
      void *data;
      size_t size;
      if (napi_get_buffer_info(env, value, &data, &size) == napi_ok && size > 0) {
        p->metadata = malloc(size);
        memcpy(p->metadata, data, size);
        p->metadata_size = size;
      }
    }
  }
  return list;
}

static napi_value partition_numbers(napi_env env, const rd_kafka_topic_partition_list_t *list) {
  napi_value array, number;
  napi_create_array_with_length(env, list ? (size_t)list->cnt : 0, &array);
  for (int i = 0; list && i < list->cnt; i++) {
    napi_create_int32(env, list->elems[i].partition, &number);
    napi_set_element(env, array, (uint32_t)i, number);
  }
  return array;
}

static napi_value offset_string(napi_env env, int64_t offset) {
  char text[32];
  snprintf(text, sizeof text, "%lld", (long long)offset);
  napi_value value;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &value);
  return value;
}

/* ---------------------------------------------------------------- callbacks (worker thread) */

static void push_event(be_consumer *c, int kind, const rd_kafka_topic_partition_list_t *partitions,
                       const char *error) {
  if (c->event_count >= MAX_EVENTS) return;
  be_event *e = &c->events[c->event_count++];
  e->kind = kind;
  e->partitions = partitions ? rd_kafka_topic_partition_list_copy(partitions) : NULL;
  e->error = error ? strdup(error) : NULL;
}

/*
 * Eager rebalancing, as the exporter's protocol expects: every join revokes everything and assigns anew,
 * and the exporter restarts every assigned partition from its committed offset.
 */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *partitions,
                         void *opaque) {
  be_consumer *c = opaque;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk, partitions);
    push_event(c, 1, partitions, NULL);
  } else {
    rd_kafka_assign(rk, NULL);
    push_event(c, err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS ? 2 : 3, partitions,
               err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS ? NULL : rd_kafka_err2str(err));
  }
}

static void log_cb(const rd_kafka_t *rk, int level, const char *facility, const char *message) {
  be_consumer *c = rd_kafka_opaque(rk);
  if (c == NULL) return;
  pthread_mutex_lock(&c->lock);
  if (c->log_count < MAX_LOGS) {
    be_log *l = &c->logs[c->log_count++];
    l->level = level;
    l->facility = strdup(facility);
    l->message = strdup(message);
  } else {
    c->logs_dropped++;
  }
  pthread_mutex_unlock(&c->lock);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  be_consumer *c = opaque;
  char text[1024];
  int fatal = err == RD_KAFKA_RESP_ERR__FATAL;
  if (fatal) {
    char fatal_reason[512];
    rd_kafka_fatal_error(rk, fatal_reason, sizeof fatal_reason);
    snprintf(text, sizeof text, "%s", fatal_reason);
  } else {
    snprintf(text, sizeof text, "%s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
  }
  pthread_mutex_lock(&c->lock);
  if (c->log_count < MAX_LOGS) {
    be_log *l = &c->logs[c->log_count++];
    /* Levels below syslog's 0 mark errors of the client: -1 fatal, -2 not fatal. */
    l->level = fatal ? -1 : -2;
    l->facility = strdup(rd_kafka_err2name((rd_kafka_resp_err_t)err));
    l->message = strdup(text);
  }
  pthread_mutex_unlock(&c->lock);
}

static void oauthbearer_refresh_cb(rd_kafka_t *rk, const char *config, void *opaque) {
  (void)rk;
  (void)config;
  ((be_consumer *)opaque)->token_refresh = 1;
}

/* ---------------------------------------------------------------- fetch nudger */

static int64_t monotonic_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* One partition of the topic per leader, from metadata (kept as it was when the request fails). */
static void read_leaders(be_consumer *c) {
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(c->rk, c->nudge_topic, NULL);
  const struct rd_kafka_metadata *metadata = NULL;
  if (rkt != NULL && rd_kafka_metadata(c->rk, 0, rkt, &metadata, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      metadata->topic_cnt == 1 && !metadata->topics[0].err) {
    int32_t leaders[MAX_NUDGE_LEADERS];
    int count = 0;
    for (int i = 0; i < metadata->topics[0].partition_cnt && count < MAX_NUDGE_LEADERS; i++) {
      const rd_kafka_metadata_partition_t *partition = &metadata->topics[0].partitions[i];
      int known = partition->leader < 0;
      for (int k = 0; k < count && !known; k++) known = leaders[k] == partition->leader;
      if (known) continue;
      leaders[count] = partition->leader;
      c->nudge_leads[count++] = partition->id;
    }
    c->nudge_lead_count = count;
  }
  if (metadata != NULL) rd_kafka_metadata_destroy(metadata);
  if (rkt != NULL) rd_kafka_topic_destroy(rkt);
  c->nudge_leads_at = monotonic_ms();
}

static void *nudger_main(void *arg) {
  be_consumer *c = arg;
  pthread_mutex_lock(&c->nudge_lock);
  for (;;) {
    while (c->nudge_partition < 0 && !c->nudger_stop) pthread_cond_wait(&c->nudge_cond, &c->nudge_lock);
    if (c->nudger_stop) break;
    int32_t partition = c->nudge_partition;
    c->nudge_partition = -1;
    pthread_mutex_unlock(&c->nudge_lock);
    if (c->nudge_lead_count == 0 || monotonic_ms() - c->nudge_leads_at > 10000) read_leaders(c);
    int64_t low, high;
    /* Only the requests matter: their answers (or failures) are not used. */
    if (c->nudge_lead_count == 0)
      rd_kafka_query_watermark_offsets(c->rk, c->nudge_topic, partition, &low, &high, 1000);
    for (int k = 0; k < c->nudge_lead_count; k++)
      rd_kafka_query_watermark_offsets(c->rk, c->nudge_topic, c->nudge_leads[k], &low, &high, 1000);
    pthread_mutex_lock(&c->nudge_lock);
  }
  pthread_mutex_unlock(&c->nudge_lock);
  return NULL;
}

/* From the poll's worker thread: `partition`'s leader is to look at its fetches again. */
static void nudge(be_consumer *c, int32_t partition) {
  pthread_mutex_lock(&c->nudge_lock);
  c->nudge_partition = partition;
  pthread_cond_signal(&c->nudge_cond);
  pthread_mutex_unlock(&c->nudge_lock);
}

/* Before the handle is destroyed: waits out the requests under way (each gives up after 1 s). */
static void stop_nudger(be_consumer *c) {
  if (!c->nudger_started) return;
  pthread_mutex_lock(&c->nudge_lock);
  c->nudger_stop = 1;
  pthread_cond_signal(&c->nudge_cond);
  pthread_mutex_unlock(&c->nudge_lock);
  pthread_join(c->nudger, NULL);
  c->nudger_started = 0;
}

/* ---------------------------------------------------------------- create / subscribe / assign */

static void finalize_consumer(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  be_consumer *c = data;
  if (!c->closed && c->rk != NULL) {
    /* Never closed by JavaScript: destroy without leaving the group (the process is going away). */
    stop_nudger(c);
    if (c->queue) rd_kafka_queue_destroy(c->queue);
    rd_kafka_destroy_flags(c->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  }
  pthread_mutex_destroy(&c->lock);
  pthread_mutex_destroy(&c->nudge_lock);
  pthread_cond_destroy(&c->nudge_cond);
  free(c->nudge_topic);
  free(c);
}

/* create(config: Record<string, string>, group: boolean, oauthbearer: boolean) -> handle */
static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool group, oauthbearer;
  CHECK(napi_get_value_bool(env, argv[1], &group));
  CHECK(napi_get_value_bool(env, argv[2], &oauthbearer));

  be_consumer *c = calloc(1, sizeof *c);
  pthread_mutex_init(&c->lock, NULL);
  pthread_mutex_init(&c->nudge_lock, NULL);
  pthread_cond_init(&c->nudge_cond, NULL);
  c->nudge_partition = -1;
  c->group = group;
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  char errstr[512];

  napi_value keys;
  uint32_t key_count;
  CHECK(napi_get_property_names(env, argv[0], &keys));
  CHECK(napi_get_array_length(env, keys, &key_count));
  for (uint32_t i = 0; i < key_count; i++) {
    napi_value key, value;
    napi_get_element(env, keys, i, &key);
    napi_get_property(env, argv[0], key, &value);
    char *name = get_string(env, key);
    char *text = get_string(env, value);
    if (name == NULL || text == NULL ||
        rd_kafka_conf_set(conf, name, text, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      char message[768];
      /* errstr may quote the value; secrets are not repeated. */
      int secret = name != NULL && strstr(name, "password") != NULL;
      snprintf(message, sizeof message, "librdkafka refused the setting %s%s%s", name ? name : "?",
               secret ? "" : ": ", secret ? "" : errstr);
      free(name);
      free(text);
      rd_kafka_conf_destroy(conf);
      pthread_mutex_destroy(&c->lock);
      free(c);
      return throw_error(env, "ERR__INVALID_ARG", message);
    }
    free(name);
    free(text);
  }
  char queued_kbytes[32]; /* also queued.min.messages */
  size_t queued_kbytes_size = sizeof queued_kbytes;
  if (rd_kafka_conf_get(conf, "queued.max.messages.kbytes", queued_kbytes, &queued_kbytes_size) == RD_KAFKA_CONF_OK)
    c->nudge_bytes = (size_t)strtoll(queued_kbytes, NULL, 10) * 1024 / 2;
  queued_kbytes_size = sizeof queued_kbytes;
  if (rd_kafka_conf_get(conf, "queued.min.messages", queued_kbytes, &queued_kbytes_size) == RD_KAFKA_CONF_OK)
    c->nudge_records = (int)(strtoll(queued_kbytes, NULL, 10) / 2);
  rd_kafka_conf_set(conf, "log.queue", "true", errstr, sizeof errstr);
  rd_kafka_conf_set_opaque(conf, c);
  rd_kafka_conf_set_log_cb(conf, log_cb);
  rd_kafka_conf_set_error_cb(conf, error_cb);
  if (group) rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
  if (oauthbearer) rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, oauthbearer_refresh_cb);

  c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (c->rk == NULL) {
    rd_kafka_conf_destroy(conf);
    pthread_mutex_destroy(&c->lock);
    free(c);
    return throw_error(env, "ERR__INVALID_ARG", errstr);
  }
  /* Logs, errors and token refreshes are served by the consumer's poll, on the poll's thread. */
  rd_kafka_poll_set_consumer(c->rk);
  c->queue = rd_kafka_queue_get_consumer(c->rk);
  rd_kafka_set_log_queue(c->rk, NULL);

  napi_value handle;
  CHECK(napi_create_external(env, c, finalize_consumer, NULL, &handle));
  return handle;
}

/* subscribe(handle, topic) */
static napi_value subscribe(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  be_consumer *c = consumer_args(env, info, 2, argv);
  if (c == NULL) return NULL;
  char *topic = get_string(env, argv[1]);
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(c->rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) {
    free(topic);
    napi_throw(env, make_error(env, err, "subscribe"));
    return NULL;
  }
  if (!c->nudger_started && c->nudge_bytes > 0) {
    free(c->nudge_topic);
    c->nudge_topic = topic;
    c->nudger_started = pthread_create(&c->nudger, NULL, nudger_main, c) == 0;
  } else {
    free(topic);
  }
  return NULL;
}

/* assign(handle, topic, [{partition, offset}]): fetch exactly these partitions from these offsets */
static napi_value assign(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  be_consumer *c = consumer_args(env, info, 3, argv);
  if (c == NULL) return NULL;
  char *topic = get_string(env, argv[1]);
  rd_kafka_topic_partition_list_t *list = get_partitions(env, argv[2], topic);
  rd_kafka_resp_err_t err = rd_kafka_assign(c->rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  free(topic);
  if (err) napi_throw(env, make_error(env, err, "assign"));
  return NULL;
}

/* seek(handle, topic, partition, offset): async in librdkafka; records fetched before it are dropped */
static napi_value seek(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  be_consumer *c = consumer_args(env, info, 4, argv);
  if (c == NULL) return NULL;
  char *topic = get_string(env, argv[1]);
  int32_t partition;
  napi_get_value_int32(env, argv[2], &partition);
  char *offset = get_string(env, argv[3]);
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic, partition)->offset = parse_offset(offset);
  rd_kafka_error_t *error = rd_kafka_seek_partitions(c->rk, list, 0);
  rd_kafka_topic_partition_list_destroy(list);
  free(topic);
  free(offset);
  if (error != NULL) {
    rd_kafka_resp_err_t code = rd_kafka_error_code(error);
    rd_kafka_error_destroy(error);
    napi_throw(env, make_error(env, code, "seek"));
  }
  return NULL;
}

/* pause(handle, topic, partitions: number[], pause: boolean) */
static napi_value pause_resume(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  be_consumer *c = consumer_args(env, info, 4, argv);
  if (c == NULL) return NULL;
  char *topic = get_string(env, argv[1]);
  uint32_t length;
  napi_get_array_length(env, argv[2], &length);
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)length);
  for (uint32_t i = 0; i < length; i++) {
    napi_value item;
    int32_t partition;
    napi_get_element(env, argv[2], i, &item);
    napi_get_value_int32(env, item, &partition);
    rd_kafka_topic_partition_list_add(list, topic, partition);
  }
  bool pause;
  napi_get_value_bool(env, argv[3], &pause);
  rd_kafka_resp_err_t err =
      pause ? rd_kafka_pause_partitions(c->rk, list) : rd_kafka_resume_partitions(c->rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  free(topic);
  if (err) napi_throw(env, make_error(env, err, pause ? "pause" : "resume"));
  return NULL;
}

/*
 * keepAlive(handle): tells librdkafka the application is still consuming (its max.poll.interval.ms timer
 * starts again) without taking a record: a batch of size 0 from the consumer queue, which returns at once.
 */
static napi_value keep_alive(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  be_consumer *c = consumer_args(env, info, 1, argv);
  if (c == NULL) return NULL;
  rd_kafka_message_t *none[1];
  if (c->queue != NULL) rd_kafka_consume_batch_queue(c->queue, 0, none, 0);
  return NULL;
}

/* setToken(handle, token, expiryEpochMs, principal) or setToken(handle, null, 0, reason) on failure */
static napi_value set_token(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  be_consumer *c = consumer_args(env, info, 4, argv);
  if (c == NULL) return NULL;
  napi_valuetype type;
  napi_typeof(env, argv[1], &type);
  char *principal = get_string(env, argv[3]);
  if (type != napi_string) {
    rd_kafka_oauthbearer_set_token_failure(c->rk, principal);
    free(principal);
    return NULL;
  }
  char *token = get_string(env, argv[1]);
  double expiry;
  napi_get_value_double(env, argv[2], &expiry);
  char errstr[512];
  rd_kafka_resp_err_t err =
      rd_kafka_oauthbearer_set_token(c->rk, token, (int64_t)expiry, principal, NULL, 0, errstr, sizeof errstr);
  free(token);
  free(principal);
  if (err) throw_error(env, rd_kafka_err2name(err), errstr);
  return NULL;
}

/* ---------------------------------------------------------------- poll (async) */

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  be_consumer *c;
  int max_messages;
  size_t max_bytes;
  int timeout_ms;
  /* results */
  int count;
  uint8_t *data;
  size_t data_size;
  int32_t *partitions;
  int64_t *offsets;
  double *timestamps;
  int32_t *lengths;
  int32_t *starts;
  uint8_t *flags;
  /* for a "line as is" record: the index after the run of such records of its partition it starts */
  int32_t *run_ends;
  /* records before the first rebalance event of this poll (all of them when there is none) */
  int event_at;
  /* distinct partitions of the batch with their cached high watermark */
  int wm_count;
  int32_t *wm_partitions;
  int64_t *wm_high;
  /* partitions that reached the end of their log (enable.partition.eof), with the offset they reached */
  int eof_count;
  int32_t *eof_partitions;
  int64_t *eof_offsets;
  /* message-level errors (e.g. a partition's fetch failed) */
  int error_count;
  char *errors[16];
  char *error_codes[16];
  be_event events[MAX_EVENTS];
  int event_count;
  be_log logs[MAX_LOGS];
  int log_count;
  int logs_dropped;
  int token_refresh;
  const char *topic;
} be_poll;

static void poll_execute(napi_env env, void *data) {
  (void)env;
  be_poll *p = data;
  be_consumer *c = p->c;
  rd_kafka_message_t **messages = malloc(sizeof(*messages) * (size_t)p->max_messages);
  int got = 0;
  size_t bytes = 0;
  p->event_at = -1;
  /*
   * Wait for the first record (or a callback), then take what is already fetched, without waiting. A
   * rebalance ends the poll: the record (if any) returned by the call that served it comes after it.
   */
  while (got < p->max_messages && bytes < p->max_bytes) {
    int events_before = c->event_count;
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, got == 0 ? p->timeout_ms : 0);
    if (c->event_count > events_before && p->event_at < 0) p->event_at = got;
    if (m != NULL) {
      messages[got++] = m;
      bytes += m->len + 1;
    }
    if (m == NULL || p->event_at >= 0 || c->token_refresh) break;
  }
  c->taken_bytes += bytes;
  c->taken_records += got;
  if (c->nudger_started && got > 0 &&
      (c->taken_bytes >= c->nudge_bytes || (c->nudge_records > 0 && c->taken_records >= c->nudge_records))) {
    c->taken_bytes = 0;
    c->taken_records = 0;
    nudge(c, messages[got - 1]->partition);
  }
  /* Lay out the values, each followed by a newline, and check each on the way. */
  size_t total = 0;
  int records = 0;
  for (int i = 0; i < got; i++) {
    if (messages[i]->err) continue;
    records++;
    if (messages[i]->payload != NULL) total += messages[i]->len + 1;
  }
  p->data = malloc(total > 0 ? total : 1);
  p->data_size = total;
  p->partitions = malloc(sizeof(int32_t) * (size_t)(records + 1));
  p->offsets = malloc(sizeof(int64_t) * (size_t)(records + 1));
  p->timestamps = malloc(sizeof(double) * (size_t)(records + 1));
  p->lengths = malloc(sizeof(int32_t) * (size_t)(records + 1));
  p->starts = malloc(sizeof(int32_t) * (size_t)(records + 1));
  p->flags = malloc((size_t)(records + 1));
  p->run_ends = malloc(sizeof(int32_t) * (size_t)(records + 1));
  p->wm_partitions = malloc(sizeof(int32_t) * (size_t)(records + 1));
  p->wm_high = malloc(sizeof(int64_t) * (size_t)(records + 1));
  p->eof_partitions = malloc(sizeof(int32_t) * (size_t)(got + 1));
  p->eof_offsets = malloc(sizeof(int64_t) * (size_t)(got + 1));
  size_t at = 0;
  int r = 0;
  int event_at = -1;
  for (int i = 0; i < got; i++) {
    rd_kafka_message_t *m = messages[i];
    if (i == p->event_at) event_at = r;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      p->eof_partitions[p->eof_count] = m->partition;
      p->eof_offsets[p->eof_count++] = m->offset;
      rd_kafka_message_destroy(m);
      continue;
    }
    if (m->err) {
      if (p->error_count < 16) {
        p->error_codes[p->error_count] = strdup(rd_kafka_err2name(m->err));
        char text[512];
        snprintf(text, sizeof text, "partition %d: %s", (int)m->partition, rd_kafka_message_errstr(m));
        p->errors[p->error_count++] = strdup(text);
      }
      rd_kafka_message_destroy(m);
      continue;
    }
    p->partitions[r] = m->partition;
    p->offsets[r] = m->offset;
    rd_kafka_timestamp_type_t type;
    int64_t ts = rd_kafka_message_timestamp(m, &type);
    p->timestamps[r] = (double)ts;
    p->starts[r] = (int32_t)at;
    if (m->payload == NULL) {
      p->lengths[r] = -1;
      p->flags[r] = 0;
    } else {
      memcpy(p->data + at, m->payload, m->len);
      p->data[at + m->len] = '\n';
      p->lengths[r] = (int32_t)m->len;
      p->flags[r] = (uint8_t)be_line_as_is(p->data + at, m->len);
      at += m->len + 1;
    }
    if (p->wm_count == 0 || p->wm_partitions[p->wm_count - 1] != m->partition) {
      int known = 0;
      for (int k = 0; k < p->wm_count; k++)
        if (p->wm_partitions[k] == m->partition) known = 1;
      if (!known) {
        int64_t low = -1, high = -1;
        rd_kafka_get_watermark_offsets(c->rk, rd_kafka_topic_name(m->rkt), m->partition, &low, &high);
        p->wm_partitions[p->wm_count] = m->partition;
        p->wm_high[p->wm_count++] = high;
      }
    }
    r++;
    rd_kafka_message_destroy(m);
  }
  free(messages);
  p->count = r;
  /* So the JavaScript side takes a run of lines as is in one step instead of looking at each record. */
  for (int k = r - 1; k >= 0; k--) {
    int continues = k + 1 < r && p->flags[k] && p->flags[k + 1] && p->partitions[k + 1] == p->partitions[k];
    p->run_ends[k] = continues ? p->run_ends[k + 1] : k + 1;
  }
  p->event_at = event_at < 0 ? r : event_at;
  /* Take what the callbacks collected during this poll. */
  memcpy(p->events, c->events, sizeof(be_event) * (size_t)c->event_count);
  p->event_count = c->event_count;
  c->event_count = 0;
  p->token_refresh = c->token_refresh;
  c->token_refresh = 0;
  pthread_mutex_lock(&c->lock);
  memcpy(p->logs, c->logs, sizeof(be_log) * (size_t)c->log_count);
  p->log_count = c->log_count;
  p->logs_dropped = c->logs_dropped;
  c->log_count = 0;
  c->logs_dropped = 0;
  pthread_mutex_unlock(&c->lock);
}

/*
 * A poll's buffers are malloc'd, outside V8's heap: V8 is told their size, or a loop that makes few objects
 * per poll (a bare poll loop, the exporter waiting on storage) is not collected for hundreds of polls and
 * keeps every buffer (measured: a bare loop's peak RSS 667 MiB over 3.84 M records, without this).
 */
static void free_external(napi_env env, void *data, void *hint) {
  int64_t ignored;
  napi_adjust_external_memory(env, -(int64_t)(uintptr_t)hint, &ignored);
  free(data);
}

static void count_external(napi_env env, size_t size) {
  int64_t ignored;
  napi_adjust_external_memory(env, (int64_t)size, &ignored);
}

static napi_value typed(napi_env env, napi_typedarray_type type, void *data, size_t count, size_t size) {
  napi_value buffer, array;
  count_external(env, count * size);
  napi_create_external_arraybuffer(env, data, count * size, free_external, (void *)(uintptr_t)(count * size),
                                   &buffer);
  napi_create_typedarray(env, type, count, buffer, 0, &array);
  return array;
}

static void poll_complete(napi_env env, napi_status status, void *data) {
  (void)status;
  be_poll *p = data;
  napi_value result, value;
  napi_create_object(env, &result);
  napi_create_int32(env, p->count, &value);
  napi_set_named_property(env, result, "count", value);
  count_external(env, p->data_size);
  napi_create_external_buffer(env, p->data_size, p->data, free_external, (void *)(uintptr_t)p->data_size, &value);
  napi_set_named_property(env, result, "data", value);
  napi_set_named_property(env, result, "partitions", typed(env, napi_int32_array, p->partitions, (size_t)p->count, 4));
  napi_set_named_property(env, result, "offsets", typed(env, napi_bigint64_array, p->offsets, (size_t)p->count, 8));
  napi_set_named_property(env, result, "timestamps",
                          typed(env, napi_float64_array, p->timestamps, (size_t)p->count, 8));
  napi_set_named_property(env, result, "lengths", typed(env, napi_int32_array, p->lengths, (size_t)p->count, 4));
  napi_set_named_property(env, result, "starts", typed(env, napi_int32_array, p->starts, (size_t)p->count, 4));
  napi_create_int32(env, p->event_at, &value);
  napi_set_named_property(env, result, "eventAt", value);
  napi_set_named_property(env, result, "flags", typed(env, napi_uint8_array, p->flags, (size_t)p->count, 1));
  napi_set_named_property(env, result, "runEnds", typed(env, napi_int32_array, p->run_ends, (size_t)p->count, 4));
  napi_set_named_property(env, result, "watermarkPartitions",
                          typed(env, napi_int32_array, p->wm_partitions, (size_t)p->wm_count, 4));
  napi_set_named_property(env, result, "watermarkHighs",
                          typed(env, napi_bigint64_array, p->wm_high, (size_t)p->wm_count, 8));
  napi_set_named_property(env, result, "eofPartitions",
                          typed(env, napi_int32_array, p->eof_partitions, (size_t)p->eof_count, 4));
  napi_set_named_property(env, result, "eofOffsets",
                          typed(env, napi_bigint64_array, p->eof_offsets, (size_t)p->eof_count, 8));

  napi_value events;
  napi_create_array_with_length(env, (size_t)p->event_count, &events);
  for (int i = 0; i < p->event_count; i++) {
    napi_value event, kind;
    napi_create_object(env, &event);
    const char *name = p->events[i].kind == 1 ? "assigned" : p->events[i].kind == 2 ? "revoked" : "lost";
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &kind);
    napi_set_named_property(env, event, "type", kind);
    napi_set_named_property(env, event, "partitions", partition_numbers(env, p->events[i].partitions));
    if (p->events[i].error) {
      napi_create_string_utf8(env, p->events[i].error, NAPI_AUTO_LENGTH, &value);
      napi_set_named_property(env, event, "error", value);
      free(p->events[i].error);
    }
    if (p->events[i].partitions) rd_kafka_topic_partition_list_destroy(p->events[i].partitions);
    napi_set_element(env, events, (uint32_t)i, event);
  }
  napi_set_named_property(env, result, "events", events);

  napi_value logs;
  napi_create_array_with_length(env, (size_t)p->log_count, &logs);
  for (int i = 0; i < p->log_count; i++) {
    napi_value log;
    napi_create_object(env, &log);
    napi_create_int32(env, p->logs[i].level, &value);
    napi_set_named_property(env, log, "level", value);
    napi_create_string_utf8(env, p->logs[i].facility, NAPI_AUTO_LENGTH, &value);
    napi_set_named_property(env, log, "facility", value);
    napi_create_string_utf8(env, p->logs[i].message, NAPI_AUTO_LENGTH, &value);
    napi_set_named_property(env, log, "message", value);
    free(p->logs[i].facility);
    free(p->logs[i].message);
    napi_set_element(env, logs, (uint32_t)i, log);
  }
  napi_set_named_property(env, result, "logs", logs);
  napi_create_int32(env, p->logs_dropped, &value);
  napi_set_named_property(env, result, "logsDropped", value);

  napi_value errors;
  napi_create_array_with_length(env, (size_t)p->error_count, &errors);
  for (int i = 0; i < p->error_count; i++) {
    napi_value error, code;
    napi_create_object(env, &error);
    napi_create_string_utf8(env, p->error_codes[i], NAPI_AUTO_LENGTH, &code);
    napi_set_named_property(env, error, "code", code);
    napi_create_string_utf8(env, p->errors[i], NAPI_AUTO_LENGTH, &value);
    napi_set_named_property(env, error, "message", value);
    free(p->errors[i]);
    free(p->error_codes[i]);
    napi_set_element(env, errors, (uint32_t)i, error);
  }
  napi_set_named_property(env, result, "errors", errors);
  napi_get_boolean(env, p->token_refresh, &value);
  napi_set_named_property(env, result, "tokenRefresh", value);

  napi_resolve_deferred(env, p->deferred, result);
  napi_delete_async_work(env, p->work);
  free(p);
}

/* poll(handle, maxMessages, maxBytes, timeoutMs) -> Promise<PollResult> */
static napi_value poll(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  be_consumer *c = consumer_args(env, info, 4, argv);
  if (c == NULL) return NULL;
  be_poll *p = calloc(1, sizeof *p);
  p->c = c;
  double max_bytes;
  napi_get_value_int32(env, argv[1], &p->max_messages);
  napi_get_value_double(env, argv[2], &max_bytes);
  napi_get_value_int32(env, argv[3], &p->timeout_ms);
  if (p->max_messages < 1) p->max_messages = 1;
  p->max_bytes = (size_t)max_bytes;
  napi_value promise, name;
  CHECK(napi_create_promise(env, &p->deferred, &promise));
  napi_create_string_utf8(env, "rdkafka_native.poll", NAPI_AUTO_LENGTH, &name);
  CHECK(napi_create_async_work(env, NULL, name, poll_execute, poll_complete, p, &p->work));
  CHECK(napi_queue_async_work(env, p->work));
  return promise;
}

/* ---------------------------------------------------------------- commit / committed / watermarks / close */

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  be_consumer *c;
  int op; /* 1 commit, 2 committed, 3 watermarks, 4 close */
  char *topic;
  int timeout_ms;
  rd_kafka_topic_partition_list_t *list;
  rd_kafka_resp_err_t err;
  char context[64];
  /* watermarks */
  int wm_count;
  int32_t *wm_partition;
  int64_t *wm_low;
  int64_t *wm_high;
} be_call;

static void call_execute(napi_env env, void *data) {
  (void)env;
  be_call *call = data;
  rd_kafka_t *rk = call->c->rk;
  switch (call->op) {
    case 1:
      call->err = rd_kafka_commit(rk, call->list, 0);
      /* A partition the coordinator refused carries its own error. */
      for (int i = 0; !call->err && i < call->list->cnt; i++) call->err = call->list->elems[i].err;
      break;
    case 2:
      call->err = rd_kafka_committed(rk, call->list, call->timeout_ms);
      for (int i = 0; !call->err && i < call->list->cnt; i++) call->err = call->list->elems[i].err;
      break;
    case 3: {
      rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, call->topic, NULL);
      const struct rd_kafka_metadata *metadata = NULL;
      call->err = rd_kafka_metadata(rk, 0, rkt, &metadata, call->timeout_ms);
      if (!call->err && metadata->topic_cnt == 1 && metadata->topics[0].err)
        call->err = metadata->topics[0].err;
      if (!call->err && metadata->topic_cnt == 1) {
        int count = metadata->topics[0].partition_cnt;
        call->wm_partition = malloc(sizeof(int32_t) * (size_t)(count + 1));
        call->wm_low = malloc(sizeof(int64_t) * (size_t)(count + 1));
        call->wm_high = malloc(sizeof(int64_t) * (size_t)(count + 1));
        for (int i = 0; i < count && !call->err; i++) {
          int32_t partition = metadata->topics[0].partitions[i].id;
          call->wm_partition[i] = partition;
          call->err = rd_kafka_query_watermark_offsets(rk, call->topic, partition, &call->wm_low[i],
                                                       &call->wm_high[i], call->timeout_ms);
          call->wm_count = i + 1;
        }
      }
      if (metadata) rd_kafka_metadata_destroy(metadata);
      rd_kafka_topic_destroy(rkt);
      break;
    }
    case 4:
      stop_nudger(call->c);
      if (call->c->group) rd_kafka_unsubscribe(rk);
      call->err = rd_kafka_consumer_close(rk);
      rd_kafka_queue_destroy(call->c->queue);
      call->c->queue = NULL;
      rd_kafka_destroy(rk);
      call->c->rk = NULL;
      /* What the close served (revocation, logs) is not delivered any more. */
      for (int i = 0; i < call->c->event_count; i++) {
        if (call->c->events[i].partitions) rd_kafka_topic_partition_list_destroy(call->c->events[i].partitions);
        free(call->c->events[i].error);
      }
      call->c->event_count = 0;
      for (int i = 0; i < call->c->log_count; i++) {
        free(call->c->logs[i].facility);
        free(call->c->logs[i].message);
      }
      call->c->log_count = 0;
      break;
  }
}

static void call_complete(napi_env env, napi_status status, void *data) {
  (void)status;
  be_call *call = data;
  if (call->err && call->op != 4) {
    napi_reject_deferred(env, call->deferred, make_error(env, call->err, call->context));
  } else if (call->op == 2) {
    napi_value array;
    napi_create_array_with_length(env, (size_t)call->list->cnt, &array);
    for (int i = 0; i < call->list->cnt; i++) {
      rd_kafka_topic_partition_t *p = &call->list->elems[i];
      napi_value item, value;
      napi_create_object(env, &item);
      napi_create_int32(env, p->partition, &value);
      napi_set_named_property(env, item, "partition", value);
      if (p->offset >= 0) napi_set_named_property(env, item, "offset", offset_string(env, p->offset));
      napi_create_buffer_copy(env, p->metadata_size, p->metadata ? p->metadata : "", NULL, &value);
      napi_set_named_property(env, item, "metadata", value);
      napi_set_element(env, array, (uint32_t)i, item);
    }
    napi_resolve_deferred(env, call->deferred, array);
  } else if (call->op == 3) {
    napi_value array;
    napi_create_array_with_length(env, (size_t)call->wm_count, &array);
    for (int i = 0; i < call->wm_count; i++) {
      napi_value item, value;
      napi_create_object(env, &item);
      napi_create_int32(env, call->wm_partition[i], &value);
      napi_set_named_property(env, item, "partition", value);
      napi_set_named_property(env, item, "low", offset_string(env, call->wm_low[i]));
      napi_set_named_property(env, item, "high", offset_string(env, call->wm_high[i]));
      napi_set_element(env, array, (uint32_t)i, item);
    }
    napi_resolve_deferred(env, call->deferred, array);
  } else {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, call->deferred, undefined);
  }
  if (call->list) rd_kafka_topic_partition_list_destroy(call->list);
  free(call->topic);
  free(call->wm_partition);
  free(call->wm_low);
  free(call->wm_high);
  napi_delete_async_work(env, call->work);
  free(call);
}

static napi_value queue_call(napi_env env, be_call *call, const char *context) {
  napi_value promise, name;
  snprintf(call->context, sizeof call->context, "%s", context);
  CHECK(napi_create_promise(env, &call->deferred, &promise));
  napi_create_string_utf8(env, context, NAPI_AUTO_LENGTH, &name);
  CHECK(napi_create_async_work(env, NULL, name, call_execute, call_complete, call, &call->work));
  CHECK(napi_queue_async_work(env, call->work));
  return promise;
}

/* The arguments every call starts with: (handle, topic?, ...); NULL (with an exception) when bad. */
static be_call *new_call(napi_env env, napi_callback_info info, int op, size_t capacity, napi_value *argv) {
  size_t argc = capacity;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc > capacity) argc = capacity;
  be_consumer *c = get_consumer(env, argv[0]);
  if (c == NULL) return NULL;
  be_call *call = calloc(1, sizeof *call);
  call->c = c;
  call->op = op;
  if (argc > 1) call->topic = get_string(env, argv[1]);
  return call;
}

/* commit(handle, topic, [{partition, offset, metadata: Buffer}]) -> Promise<void> (synchronous commit) */
static napi_value commit(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  be_call *call = new_call(env, info, 1, 3, argv);
  if (call == NULL) return NULL;
  call->list = get_partitions(env, argv[2], call->topic);
  return queue_call(env, call, "commit");
}

/* committed(handle, topic, [{partition}], timeoutMs) -> Promise<[{partition, offset?, metadata: Buffer}]> */
static napi_value committed(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  be_call *call = new_call(env, info, 2, 4, argv);
  if (call == NULL) return NULL;
  call->list = get_partitions(env, argv[2], call->topic);
  napi_get_value_int32(env, argv[3], &call->timeout_ms);
  return queue_call(env, call, "committed offsets");
}

/* watermarks(handle, topic, timeoutMs) -> Promise<[{partition, low, high}]> */
static napi_value watermarks(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  be_call *call = new_call(env, info, 3, 3, argv);
  if (call == NULL) return NULL;
  napi_get_value_int32(env, argv[2], &call->timeout_ms);
  return queue_call(env, call, "watermarks");
}

/* close(handle) -> Promise<void>: leaves the group (revoking through the rebalance callback) and destroys */
static napi_value close_consumer(napi_env env, napi_callback_info info) {
  napi_value argv[2]; /* new_call reads argv[1] only when given more than one argument */
  be_call *call = new_call(env, info, 4, 1, argv);
  if (call == NULL) return NULL;
  call->c->closed = 1;
  return queue_call(env, call, "close");
}

static napi_value version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value value;
  CHECK(napi_create_string_utf8(env, rd_kafka_version_str(), NAPI_AUTO_LENGTH, &value));
  return value;
}

/* lineAsIs(buffer) -> boolean: json_check.h on one value, for the tests that compare it with the JS path */
static napi_value line_as_is(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data;
  size_t size;
  CHECK(napi_get_buffer_info(env, argv[0], &data, &size));
  napi_value value;
  CHECK(napi_get_boolean(env, be_line_as_is(data, size), &value));
  return value;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
      {"subscribe", NULL, subscribe, NULL, NULL, NULL, napi_default, NULL},
      {"assign", NULL, assign, NULL, NULL, NULL, napi_default, NULL},
      {"seek", NULL, seek, NULL, NULL, NULL, napi_default, NULL},
      {"pauseResume", NULL, pause_resume, NULL, NULL, NULL, napi_default, NULL},
      {"setToken", NULL, set_token, NULL, NULL, NULL, napi_default, NULL},
      {"poll", NULL, poll, NULL, NULL, NULL, napi_default, NULL},
      {"keepAlive", NULL, keep_alive, NULL, NULL, NULL, napi_default, NULL},
      {"commit", NULL, commit, NULL, NULL, NULL, napi_default, NULL},
      {"committed", NULL, committed, NULL, NULL, NULL, napi_default, NULL},
      {"watermarks", NULL, watermarks, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_consumer, NULL, NULL, NULL, napi_default, NULL},
      {"version", NULL, version, NULL, NULL, NULL, napi_default, NULL},
      {"lineAsIs", NULL, line_as_is, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
