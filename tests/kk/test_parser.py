"""Parser: kk v3.1.12 output shapes from shared/KUBEKEY.md ("Output while it runs")."""

from __future__ import annotations

from kkui.core.kk.events import (
    HostStatus,
    LogLine,
    OutputBlock,
    PipelineFailed,
    PipelineSucceeded,
    PromptShown,
    RawLine,
    TableShown,
    TaskStarted,
)
from kkui.core.kk.parser import KkOutputParser
from kkui.core.kk.redact import Redactor


def parse(stderr: str = "", stdout: str = "", chunk: int = 0) -> list:
    parser = KkOutputParser(clock=lambda: 1.0)
    events: list = []
    for stream, text in (("stdout", stdout), ("stderr", stderr)):
        if chunk:
            for i in range(0, len(text), chunk):
                events += parser.feed(stream, text[i:i + chunk])
        else:
            events += parser.feed(stream, text)
    return events + parser.flush()


def meaning(events: list) -> list:
    return [e for e in events if not isinstance(e, RawLine)]


def test_task_host_status_and_pipeline_success() -> None:
    text = ("10:53:02 CST [GreetingsModule] Greetings\n"
            "10:53:02 CST success: [node1]\n"
            "10:53:03 CST skipped: [node2]\n"
            "10:53:04 CST retry: [node3]\n"
            "11:04:10 CST Pipeline[CreateClusterPipeline] execute successfully\n")
    assert meaning(parse(text)) == [
        TaskStarted("GreetingsModule", "Greetings"),
        HostStatus("node1", "success"), HostStatus("node2", "skipped"),
        HostStatus("node3", "retry"),
        PipelineSucceeded("CreateClusterPipeline"),
    ]


def test_every_line_is_a_raw_line_in_order() -> None:
    text = "10:53:02 CST message: [node1]\nGreetings, KubeKey!\nplain\n"
    raws = [e for e in parse(text) if isinstance(e, RawLine)]
    assert [r.text for r in raws] == ["10:53:02 CST message: [node1]", "Greetings, KubeKey!",
                                      "plain"]
    assert {r.stream for r in raws} == {"stderr"}


def test_multiline_message_block_ends_at_next_timestamp() -> None:
    text = ("10:58:40 CST message: [node1]\n"
            "etcd health check failed: Failed to exec command: sudo -E /bin/bash -c \"x\"\n"
            "Error:  client: etcd cluster is unavailable or misconfigured\n"
            ": Process exited with status 1\n"
            "10:58:45 CST retry: [node1]\n")
    events = meaning(parse(text))
    assert events[0] == OutputBlock(
        "message", "node1",
        "etcd health check failed: Failed to exec command: sudo -E /bin/bash -c \"x\"\n"
        "Error:  client: etcd cluster is unavailable or misconfigured\n"
        ": Process exited with status 1")
    assert events[1] == HostStatus("node1", "retry")


def test_block_at_end_of_stream_is_closed_by_flush() -> None:
    events = meaning(parse("10:53:02 CST stdout: [node1]\nline one\nline two\n"))
    assert events == [OutputBlock("stdout", "node1", "line one\nline two")]


def test_cjk_host_names_and_numeric_zone() -> None:
    text = ("10:53:02 +08 [GreetingsModule] Greetings\n"
            "10:53:02 +08 message: [节点-一]\n"
            "Greetings, KubeKey!\n"
            "10:53:02 +08 success: [节点-一]\n"
            "10:53:02 -0330 failed: [ノード2]\n")
    assert meaning(parse(text)) == [
        TaskStarted("GreetingsModule", "Greetings"),
        OutputBlock("message", "节点-一", "Greetings, KubeKey!"),
        HostStatus("节点-一", "success"),
        HostStatus("ノード2", "failed"),
    ]


def test_levels_only_on_warnings_and_worse() -> None:
    text = ("10:58:40 CST [WARN] Having a problem with accessing https://storage.googleapis.com?\n"
            "10:58:41 CST [ERRO] node2: conntrack is required.\n"
            "10:58:42 CST [FATA] EOF\n")
    assert meaning(parse(text)) == [
        LogLine("WARN", "Having a problem with accessing https://storage.googleapis.com?"),
        LogLine("ERRO", "node2: conntrack is required."),
        LogLine("FATA", "EOF"),
    ]


def test_v1_logrus_text_shape() -> None:
    text = ("INFO[10:53:02 CST] Downloading Installation Files\n"
            "WARN[10:53:03 CST] Task failed ...\n"
            "ERRO[10:53:04 CST] Failed to download kube binaries: exit status 28  node=10.0.0.2\n"
            "FATA[10:53:05 CST] Failed to connect to 10.0.0.2\n")
    assert meaning(parse(text)) == [
        LogLine("WARN", "Task failed ..."),
        LogLine("ERRO", "Failed to download kube binaries: exit status 28  node=10.0.0.2"),
        LogLine("FATA", "Failed to connect to 10.0.0.2"),
    ]


def test_custom_script_module_name_with_space() -> None:
    events = meaning(parse("10:53:02 CST [CustomScriptsModule Phase:PreInstall] Exec custom "
                           "shell scripts for each nodes.\n"))
    assert events == [TaskStarted("CustomScriptsModule Phase:PreInstall",
                                  "Exec custom shell scripts for each nodes.")]


def test_pipeline_failed_with_per_host_reasons() -> None:
    text = ("11:00:00 CST failed: [node1]\n"
            "error: Pipeline[CreateClusterPipeline] execute failed: Module[ETCDConfigureModule] "
            "exec failed: \n"
            "failed: [node1] [HealthCheck] exec failed after 20 retries: etcd health check "
            "failed: boom\n"
            ": Process exited with status 1\n"
            "failed: [节点2] execute task timeout, Timeout=2h\n")
    events = meaning(parse(text))
    assert events[0] == HostStatus("node1", "failed")
    failed = events[1]
    assert isinstance(failed, PipelineFailed)
    assert failed.module == "ETCDConfigureModule"
    assert failed.pipeline == "CreateClusterPipeline"
    assert failed.hosts == (
        ("node1", "HealthCheck", "etcd health check failed: boom\n: Process exited with status 1"),
        ("节点2", "", "execute task timeout, Timeout=2h"),
    )
    assert "Module[ETCDConfigureModule] exec failed" in failed.message


def test_pipeline_failure_without_module() -> None:
    events = meaning(parse("error: Pipeline[CreateClusterPipeline] execute failed: there are "
                           "some error in your spec hosts\n"))
    assert events == [PipelineFailed("", (), "CreateClusterPipeline",
                                     "Pipeline[CreateClusterPipeline] execute failed: there are "
                                     "some error in your spec hosts")]


def test_other_error_line_is_an_error_log_line() -> None:
    events = meaning(parse("error: The Kubernetes version: v1.99.0 isn't supported.\n"))
    assert events == [LogLine("ERRO", "The Kubernetes version: v1.99.0 isn't supported.")]


TABLE = """\
+-------+------+-----------+------+
| name  | sudo | conntrack | time |
+-------+------+-----------+------+
| node1 | y    | y         | CST 10:53:05 |
| 节点2 | y    |           | CST 10:53:05 |
+-------+------+-----------+------+

This is a simple check of your environment.
"""


def test_precheck_table_then_prompt_without_newline() -> None:
    parser = KkOutputParser()
    events = parser.feed("stdout", TABLE)
    events += parser.feed("stdout", "Continue this installation? [yes/no]: ")
    tables = [e for e in events if isinstance(e, TableShown)]
    assert tables[0].rows == (("name", "sudo", "conntrack", "time"),
                              ("node1", "y", "y", "CST 10:53:05"),
                              ("节点2", "y", "", "CST 10:53:05"))
    prompts = [e for e in events if isinstance(e, PromptShown)]
    assert prompts == [PromptShown("Continue this installation? [yes/no]: ", tables[0].rows)]
    # the prompt was emitted as a line of its own before any newline arrived
    assert isinstance(events[-2], RawLine)
    assert events[-2].text == "Continue this installation? [yes/no]: "


def test_prompt_arriving_in_pieces_and_reasked() -> None:
    parser = KkOutputParser()
    events = parser.feed("stdout", "Continue this instal")
    assert [e for e in events if isinstance(e, PromptShown)] == []
    events = parser.feed("stdout", "lation? [yes/no]: ")
    assert len([e for e in events if isinstance(e, PromptShown)]) == 1
    events = parser.feed("stdout", "Continue this installation? [yes/no]: ")
    assert len([e for e in events if isinstance(e, PromptShown)]) == 1


def test_chunk_boundaries_do_not_change_the_result() -> None:
    text = (TABLE + "10:58:40 CST message: [node1]\nbody\n10:58:41 CST success: [node1]\n")
    whole = [e for e in parse(text) if not isinstance(e, RawLine)]
    for size in (1, 3, 7):
        assert [e for e in parse(text, chunk=size) if not isinstance(e, RawLine)] == whole


def test_crlf_and_missing_final_newline() -> None:
    events = parse("10:53:02 CST success: [node1]\r\n10:53:03 CST success: [node2]")
    assert meaning(events) == [HostStatus("node1", "success"), HostStatus("node2", "success")]


def test_redaction_happens_before_parsing_and_across_chunks() -> None:
    parser = KkOutputParser(redact=Redactor(["Qcloud@123"]))
    events = parser.feed("stderr", "10:53:02 CST message: [node1]\npassword: Qclo")
    events += parser.feed("stderr", "ud@123 used\n")
    events += parser.flush()
    texts = " ".join(e.text for e in events if isinstance(e, RawLine))
    assert "Qcloud" not in texts and "******" in texts
    block = [e for e in events if isinstance(e, OutputBlock)][0]
    assert block.body == "password: ****** used"


def test_short_secret_masked_only_as_whole_token() -> None:
    redact = Redactor(["ab1", "longer-secret"])
    assert redact("pw=ab1 tab1e longer-secret!") == "pw=****** tab1e ******!"
    assert Redactor([])("unchanged") == "unchanged"


def test_banner_is_not_a_table() -> None:
    banner = ("\n\n _   __      _          _   __\n| | / /     | |        | | / /\n"
              "| |/ / _   _| |__   ___| |/ /  ___ _   _\n")
    assert meaning(parse(stdout=banner)) == []


def test_sudo_password_prompt_without_newline_is_shown_at_once() -> None:
    """kk hangs on sudo's prompt (kubekey#2343): it never gets a newline, so it must not wait
    in the line buffer until kk exits."""
    from kkui.core.kk.events import RawLine
    from kkui.core.kk.hints import match_hints
    from kkui.core.kk.parser import KkOutputParser

    parser = KkOutputParser()
    events = parser.feed("stderr", "10:53:02 CST stdout: [node2]\n[sudo] password for ubuntu: ")
    lines = [e.text for e in events if isinstance(e, RawLine)]
    assert lines[-1] == "[sudo] password for ubuntu: "
    assert [h.key for h in match_hints(lines[-1])] == ["sudo-password"]
    assert parser.feed("stderr", "partial output") == []  # ordinary partial lines still wait
