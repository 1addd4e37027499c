"""query-tuning's plan reading (graders/query_tuning/_plans.py), on plans shaped like the
ones auto_explain logs (JSON, ANALYZE, BUFFERS, VERBOSE): pure, no database. The graders'
use of them against a real PostgreSQL is proved by `kata verify query-tuning`."""

from __future__ import annotations

import json

from _graders import grader_module

plans = grader_module("query_tuning", "_plans")

SEQ = {"Node Type": "Gather", "Actual Rows": 1, "Actual Loops": 1, "Shared Hit Blocks": 180,
       "Shared Read Blocks": 4164, "Output": ["id", "slug", "body"],
       "Plans": [{"Node Type": "Seq Scan", "Parallel Aware": True, "Relation Name": "posts",
                  "Alias": "posts", "Actual Rows": 0, "Actual Loops": 3,
                  "Filter": "(posts.slug = 'post-7-8f14e45f'::text)",
                  "Rows Removed by Filter": 66666, "Shared Hit Blocks": 180,
                  "Shared Read Blocks": 4164}]}
OFFSET = {"Node Type": "Limit", "Actual Rows": 100, "Actual Loops": 1, "Shared Hit Blocks": 70,
          "Output": ["id", "title"],
          "Plans": [{"Node Type": "Index Scan", "Scan Direction": "Backward",
                     "Index Name": "posts_pkey", "Relation Name": "posts", "Actual Rows": 1600,
                     "Actual Loops": 1, "Shared Hit Blocks": 70}]}
NESTED = {"Node Type": "Nested Loop", "Actual Rows": 20, "Actual Loops": 1,
          "Shared Hit Blocks": 73, "Output": ["p.id", "a.name"],
          "Plans": [{"Node Type": "Index Scan", "Index Name": "posts_category_published_idx",
                     "Relation Name": "posts", "Actual Rows": 20, "Actual Loops": 1,
                     "Shared Hit Blocks": 13},
                    {"Node Type": "Index Scan", "Index Name": "authors_pkey",
                     "Relation Name": "authors", "Actual Rows": 1, "Actual Loops": 20,
                     "Shared Hit Blocks": 60}]}


def _log_line(plan: dict, app: str = "") -> str:
    message = "duration: 0.812 ms  plan:\n" + json.dumps(
        {"Query Text": "SELECT id FROM posts WHERE slug = $1", "Plan": plan}, indent=2)
    return json.dumps({"error_severity": "LOG", "application_name": app, "message": message})


def test_a_plan_is_read_from_the_json_log_and_kata_own_sessions_are_skipped():
    plan = plans.from_log_line(_log_line(SEQ), skip_app="kata-grader")
    assert plan is not None and plan.query.startswith("SELECT id FROM posts")
    assert plan.pages == 4344
    assert plans.from_log_line(_log_line(SEQ, app="kata-grader"), skip_app="kata-grader") is None
    other = json.dumps({"message": "database system is ready to accept connections"})
    assert plans.from_log_line(other, skip_app="kata-grader") is None
    assert plans.from_log_line("not json {", skip_app="kata-grader") is None


def test_a_sequential_scan_is_found_and_described_with_its_rows_and_pages():
    [scan] = plans.seq_scans(SEQ, "posts")
    assert plans.rows_read(scan) == 3 * 66666  # per loop, times the loops
    assert plans.seq_scans(NESTED, "posts") == []
    line = plans.describe(plans.heaviest(SEQ))
    assert line.startswith("Parallel Seq Scan on posts (199998 rows read")
    assert "4344 pages" in line


def test_the_heaviest_node_is_the_one_that_read_the_pages_itself():
    assert plans.heaviest(NESTED)["Relation Name"] == "authors"  # 60 of the 73
    assert plans.own_pages(NESTED) == 0


def test_an_offset_page_reads_every_row_before_it():
    widest = plans.widest_scan(OFFSET)
    assert widest is not None and plans.rows_read(widest) == 1600
    assert plans.widest_scan({"Node Type": "Result"}) is None


def test_a_disk_sort_is_found():
    disk = {"Node Type": "Sort", "Sort Method": "external merge", "Sort Space Type": "Disk",
            "Sort Space Used": 9000}
    memory = {"Node Type": "Sort", "Sort Method": "top-N heapsort", "Sort Space Type": "Memory"}
    assert plans.disk_sorts({"Node Type": "Limit", "Plans": [disk]}) == [disk]
    assert plans.disk_sorts({"Node Type": "Limit", "Plans": [memory]}) == []


def test_the_body_in_the_output_by_name_or_in_a_whole_row():
    assert plans.returns_column(SEQ, "body") == "body"
    assert plans.returns_column({"Output": ["p.id", "p.body"]}, "body") == "p.body"
    assert plans.returns_column({"Output": ["row_to_json(p.*)"]}, "body") == "row_to_json(p.*)"
    assert plans.returns_column({"Output": ["p.id", "p.body_length", "nobody"]}, "body") is None
    assert plans.returns_column(OFFSET, "body") is None
