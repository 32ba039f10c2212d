"""`check` over several stacks in parallel child processes: output whole and in stack order,
the worst exit code, and the same verdicts as one process checking them in turn."""

import io
import re

import pytest

from pipeline import check
from pipeline.check_parallel import worst
from pipeline.cli import build_parser
from pipeline.exit_codes import ExitCode
from tests.program_support import copy_stack_file, project_copy


@pytest.mark.parametrize(("codes", "expected"), [
    ([0, 0, 0], ExitCode.OK),
    ([0, 3, 0], ExitCode.POLICY),
    ([3, 1, 0], ExitCode.FAILED),
    ([1, 2, 3], ExitCode.USAGE),
    ([0, -9], -9),  # a child killed by a signal is not OK
    ([], ExitCode.OK),
])
def test_the_most_serious_outcome_wins(codes, expected):
    assert worst(codes) == expected


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    broken = re.sub(r"gatehouse:logRetentionDays: \S+", "gatehouse:logRetentionDays: -1", copy_stack_file("staging"))
    assert broken != copy_stack_file("staging"), "the broken stack file must differ"
    project = project_copy(root, {"staging": copy_stack_file("staging"), "zz-broken": broken})
    (project / "policies").symlink_to(check.PROJECT_DIR / "policies")
    return project


def run_check(project, reports, jobs):
    args = build_parser().parse_args(["check", "--project-dir", str(project), "--report-dir", str(reports), "--jobs", str(jobs)])
    out = io.StringIO()
    return args.run(args, out), out.getvalue()


def sections(text):
    return re.findall(r"^== (\S+?):", text, flags=re.MULTILINE)


# The in-process (sequential) run renders through the render cache and takes its pack from the
# pool (tests/program_support.py, tests/pack_pool.py); the children start their own, as always.
@pytest.mark.usefixtures("cached_renders", "pooled_packs")
def test_parallel_and_sequential_agree_and_print_in_stack_order(project, tmp_path):
    parallel_code, parallel_out = run_check(project, tmp_path / "parallel", jobs=2)
    sequential_code, sequential_out = run_check(project, tmp_path / "sequential", jobs=1)
    assert parallel_code == sequential_code == ExitCode.USAGE  # the broken stack's config error wins
    assert sections(parallel_out) == sections(sequential_out) == ["staging", "zz-broken"]
    assert "error: gatehouse:logRetentionDays" in parallel_out
    for stack in ("staging", "zz-broken"):
        assert (tmp_path / "parallel" / f"check-{stack}.json").is_file()
    strip = lambda text: text.replace(str(tmp_path / "parallel"), "R").replace(str(tmp_path / "sequential"), "R")  # noqa: E731
    assert strip(parallel_out) == strip(sequential_out)


def test_jobs_must_be_a_positive_whole_number(capsys):
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["check", "--jobs", "0"])
    assert exited.value.code == 2 and "--jobs: must be a whole number" in capsys.readouterr().err


@pytest.mark.parametrize(("cpus", "stacks", "expected"), [(2, 3, 1), (4, 3, 2), (8, 3, 3), (1, 3, 1), (16, 1, 1)])
def test_by_default_each_stack_gets_two_cpus(monkeypatch, cpus, stacks, expected):
    from pipeline import check_parallel

    monkeypatch.setattr(check_parallel.os, "sched_getaffinity", lambda pid: set(range(cpus)))
    assert check_parallel.default_jobs(stacks) == expected
