/*
 * A real Kafka-protocol broker for local runs and tests: librdkafka's mock cluster.
 *
 *   mock-broker [--brokers N] TOPIC:PARTITIONS ...
 *
 * Prints the bootstrap address on the first line of stdout, then reads fault commands on stdin, one per
 * line, answering "ok <command>" or "error <reason>" on stdout. Exits cleanly on SIGTERM, SIGINT or when
 * stdin closes (so an orphaned broker never outlives the process that started it).
 *
 * Commands:
 *   broker-down ID | broker-up ID        take a broker off the network and back
 *   rtt ID MS                            add round-trip latency to a broker
 *   leader TOPIC PARTITION ID            move a partition's leadership
 *   rotate-leaders TOPIC PARTITIONS      move every partition's leader to the next broker
 *   request-errors APIKEY ERR [COUNT]    fail the next COUNT requests of an API key (cluster wide)
 *   topic-error TOPIC ERR                set an error on a topic (0 clears it)
 *   coordinator group|txn KEY ID         choose the coordinator broker of a group
 *
 * The mock keeps only about 5 MB per partition; older data is dropped like retention would.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) { (void)sig; stopping = 1; }

static int broker_count = 1;

static void answer(const char *status, const char *text) {
  printf("%s %s\n", status, text);
  fflush(stdout);
}

static void run_command(rd_kafka_mock_cluster_t *mc, char *line) {
  char verb[64] = {0}, a[256] = {0};
  int x = 0, y = 0, z = 0;
  line[strcspn(line, "\r\n")] = 0;
  if (sscanf(line, "%63s", verb) != 1) return;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (!strcmp(verb, "broker-down") && sscanf(line, "%*s %d", &x) == 1) {
    err = rd_kafka_mock_broker_set_down(mc, x);
  } else if (!strcmp(verb, "broker-up") && sscanf(line, "%*s %d", &x) == 1) {
    err = rd_kafka_mock_broker_set_up(mc, x);
  } else if (!strcmp(verb, "rtt") && sscanf(line, "%*s %d %d", &x, &y) == 2) {
    err = rd_kafka_mock_broker_set_rtt(mc, x, y);
  } else if (!strcmp(verb, "leader") && sscanf(line, "%*s %255s %d %d", a, &x, &y) == 3) {
    err = rd_kafka_mock_partition_set_leader(mc, a, x, y);
  } else if (!strcmp(verb, "rotate-leaders") && sscanf(line, "%*s %255s %d", a, &x) == 2) {
    static int shift = 0;
    shift++;
    for (int p = 0; p < x && !err; p++)
      err = rd_kafka_mock_partition_set_leader(mc, a, p, 1 + (p + shift) % broker_count);
  } else if (!strcmp(verb, "request-errors") && sscanf(line, "%*s %d %d %d", &x, &y, &z) >= 2) {
    size_t count = z > 0 ? (size_t)z : 1;
    rd_kafka_resp_err_t *errors = calloc(count, sizeof(*errors));
    for (size_t i = 0; i < count; i++) errors[i] = (rd_kafka_resp_err_t)y;
    rd_kafka_mock_push_request_errors_array(mc, (int16_t)x, count, errors);
    free(errors);
  } else if (!strcmp(verb, "topic-error") && sscanf(line, "%*s %255s %d", a, &x) == 2) {
    rd_kafka_mock_topic_set_error(mc, a, (rd_kafka_resp_err_t)x);
  } else if (!strcmp(verb, "coordinator") && sscanf(line, "%*s %63s %255s %d", verb, a, &x) == 3) {
    err = rd_kafka_mock_coordinator_set(mc, verb, a, x);
  } else {
    answer("error", "unknown command or wrong arguments (see the header of mock-broker.c)");
    return;
  }
  if (err) answer("error", rd_kafka_err2str(err));
  else answer("ok", line);
}

int main(int argc, char **argv) {
  int first_topic = 1;
  if (argc > 2 && !strcmp(argv[1], "--brokers")) {
    broker_count = atoi(argv[2]);
    first_topic = 3;
  }
  if (broker_count < 1) {
    fprintf(stderr, "mock-broker: --brokers must be at least 1, got '%s'\n", argv[2]);
    return 2;
  }
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "mock-broker: cannot create the librdkafka handle: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, broker_count);
  if (!mc) {
    fprintf(stderr, "mock-broker: cannot start the mock cluster\n");
    return 1;
  }
  for (int i = first_topic; i < argc; i++) {
    char name[256];
    int partitions = 0;
    if (sscanf(argv[i], "%255[^:]:%d", name, &partitions) != 2 || partitions < 1) {
      fprintf(stderr, "mock-broker: topic '%s' must be NAME:PARTITIONS, e.g. demo:5\n", argv[i]);
      return 2;
    }
    int replicas = broker_count < 3 ? broker_count : 3;
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, partitions, replicas);
    if (err) {
      fprintf(stderr, "mock-broker: cannot create topic %s: %s\n", name, rd_kafka_err2str(err));
      return 1;
    }
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);

  char line[1024];
  struct pollfd in = {.fd = 0, .events = POLLIN};
  while (!stopping) {
    int ready = poll(&in, 1, 200);
    if (ready <= 0) continue;
    if (!fgets(line, sizeof(line), stdin)) break; /* stdin closed: our owner is gone */
    run_command(mc, line);
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
