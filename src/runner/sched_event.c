/*
 * sched_event.c: the scheduler's event vocabulary: status words, event
 * names, timestamps and the JSON shape of each event (the spec's SSE
 * examples plus extra fields). Runs in runner processes and `labhit run`.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "runner/scheduler.h"

const char *
sched_status_word(enum lh_sched_status st)
{
	switch (st) {
	case LH_SCHED_PENDING:
		return "Pending";
	case LH_SCHED_RUNNING:
		return "Running";
	case LH_SCHED_SUCCESS:
		return "Success";
	case LH_SCHED_FAILED:
		return "Failed";
	case LH_SCHED_SKIPPED:
		return "Skipped";
	case LH_SCHED_CANCELLED:
		return "Cancelled";
	}
	return "Unknown";
}

const char *
sched_pipeline_word(enum lh_sched_status st)
{
	switch (st) {
	case LH_SCHED_SUCCESS:
		return "SUCCESS";
	case LH_SCHED_FAILED:
		return "FAILED";
	case LH_SCHED_CANCELLED:
		return "CANCELLED";
	case LH_SCHED_PENDING:
		return "PENDING";
	default:
		return "RUNNING";
	}
}

const char *
sched_event_name(enum lh_sched_event_type t)
{
	switch (t) {
	case LH_SCHED_EV_STAGE_STARTED:
		return "stage_started";
	case LH_SCHED_EV_STAGE_LOG:
		return "stage_log";
	case LH_SCHED_EV_STAGE_COMPLETED:
		return "stage_completed";
	case LH_SCHED_EV_STAGE_SKIPPED:
		return "stage_skipped";
	case LH_SCHED_EV_PIPELINE_COMPLETED:
		return "pipeline_completed";
	}
	return "unknown";
}

void
sched_format_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "1970-01-01T00:00:00Z");
}

static const char *
sched_stream_name(enum lh_stream s)
{
	switch (s) {
	case LH_STREAM_STDOUT:
		return "stdout";
	case LH_STREAM_STDERR:
		return "stderr";
	default:
		return "system";
	}
}

static void
sched_json_result(struct json_object *o, const struct lh_sched_event *ev)
{
	const struct lh_stage_result *r = ev->result;
	struct json_object *res, *outs;
	size_t i;

	if ((outs = json_object_new_object()) != NULL) {
		for (i = 0; i < ev->noutputs; i++)
			json_object_object_add(outs, ev->outputs[i].key,
			    json_object_new_string(ev->outputs[i].value));
		json_object_object_add(o, "outputs", outs);
	}
	json_object_object_add(o, "attempts", json_object_new_int(ev->attempt));
	if (ev->logs != NULL)
		json_object_object_add(o, "logs",
		    json_object_new_string(ev->logs));
	if (r == NULL)
		return;
	json_object_object_add(o, "exit_code",
	    json_object_new_int(r->exit_code));
	if (r->term_signal != 0)
		json_object_object_add(o, "signal",
		    json_object_new_int(r->term_signal));
	json_object_object_add(o, "duration_ms",
	    json_object_new_int64((int64_t)r->duration_ms));
	json_object_object_add(o, "log_truncated",
	    json_object_new_boolean(r->log_truncated));
	if ((res = json_object_new_object()) != NULL) {
		json_object_object_add(res, "cpu_seconds",
		    json_object_new_double(r->cpu_seconds));
		json_object_object_add(res, "peak_memory_kb",
		    json_object_new_int64(r->peak_memory_kb));
		json_object_object_add(res, "timed_out",
		    json_object_new_boolean(r->timed_out));
		json_object_object_add(res, "killed_for_memory",
		    json_object_new_boolean(r->killed_for_memory));
		json_object_object_add(res, "hit_process_limit",
		    json_object_new_boolean(r->hit_process_limit));
		json_object_object_add(o, "resources", res);
	}
}

struct json_object *
sched_event_json(const struct lh_sched_event *ev)
{
	struct json_object *o;
	char ts[32];

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	sched_format_time(ev->ts_ms, ts, sizeof(ts));
	json_object_object_add(o, "type",
	    json_object_new_string(sched_event_name(ev->type)));
	if (ev->stage != NULL)
		json_object_object_add(o, "stage",
		    json_object_new_string(ev->stage));
	json_object_object_add(o, "status", json_object_new_string(
	    ev->type == LH_SCHED_EV_PIPELINE_COMPLETED ?
	    sched_pipeline_word(ev->status) : sched_status_word(ev->status)));
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	json_object_object_add(o, "timestamp_ms",
	    json_object_new_int64(ev->ts_ms));
	json_object_object_add(o, "seq",
	    json_object_new_int64((int64_t)ev->seq));
	if (ev->reason != NULL && ev->reason[0] != '\0')
		json_object_object_add(o, "reason",
		    json_object_new_string(ev->reason));
	switch (ev->type) {
	case LH_SCHED_EV_STAGE_STARTED:
		json_object_object_add(o, "attempt",
		    json_object_new_int(ev->attempt));
		break;
	case LH_SCHED_EV_STAGE_LOG:
		json_object_object_add(o, "stream", json_object_new_string(
		    sched_stream_name(ev->stream)));
		json_object_object_add(o, "line",
		    json_object_new_string_len(ev->line, (int)ev->len));
		json_object_object_add(o, "attempt",
		    json_object_new_int(ev->attempt));
		break;
	case LH_SCHED_EV_STAGE_COMPLETED:
		sched_json_result(o, ev);
		break;
	case LH_SCHED_EV_PIPELINE_COMPLETED:
		json_object_object_add(o, "duration_ms",
		    json_object_new_int64((int64_t)ev->duration_ms));
		json_object_object_add(o, "succeeded",
		    json_object_new_int64((int64_t)ev->nsucceeded));
		json_object_object_add(o, "failed",
		    json_object_new_int64((int64_t)ev->nfailed));
		json_object_object_add(o, "skipped",
		    json_object_new_int64((int64_t)ev->nskipped));
		json_object_object_add(o, "cancelled",
		    json_object_new_int64((int64_t)ev->ncancelled));
		break;
	default:
		break;
	}
	return o;
}
