"""Every built-in action on a real vault, and how a run treats a failing one."""

from __future__ import annotations

from pathlib import Path

from .vault import (
    ALICE,
    BRAM,
    ROAD,
    RULE_ID,
    STORM,
    Vault,
    rule,
    run,
    run_unchanged,
    step,
)


async def test_set_field_sets_text_and_makes_a_note_a_wikilink(v: Vault) -> None:
    trace = await run(
        v,
        """
        - {type: set_field, field: mood_note, value: "felt ${trigger.tag}"}
        - {type: set_field, field: music, value: "${ note_named('Drums') }"}
        - {type: set_field, field: order, value: "${ note.fields.order + 1 }"}
        """,
    )
    assert trace.outcome == "succeeded", trace.error
    fields = v.fields(ROAD)
    assert fields["mood_note"] == "felt go"
    assert fields["music"] == "[[Drums]]"
    assert fields["order"] == 3
    assert v.read(ROAD).endswith("## Notes\n\n- an old note\n")  # the body is untouched
    (change,) = trace.changes
    assert (change.path, change.kind) == (ROAD, "modified")
    assert change.summary == "set mood_note; set music; set order"
    (write,) = trace.writes
    assert write["before"] != write["after"] == v.read(ROAD)


async def test_a_rules_write_is_logged_with_the_rule_as_actor_and_the_run_as_cause(
    v: Vault,
) -> None:
    head = await v.session.events.head()
    trace = await run(v, "- {type: set_field, field: order, value: 7}")
    made = [e for e in await v.events(head) if e.actor == f"automation:{RULE_ID}"]
    assert [e.type for e in made] == ["content_updated", "field_changed"]
    assert made[1].data == {"field": "order", "old": 2, "new": 7}
    assert {e.causationid for e in made} == {trace.run}
    assert {e.correlationid for e in made} == {trace.event.correlationid}


async def test_unset_field_removes_the_field(v: Vault) -> None:
    trace = await run(v, "- {type: unset_field, field: order}")
    assert trace.outcome == "succeeded"
    assert "order" not in v.fields(ROAD) and v.fields(ROAD)["music"] == "[[Forest]]"


async def test_append_field_adds_only_what_the_list_lacks(v: Vault) -> None:
    trace = await run(
        v,
        """
        - {type: append_field, field: characters, value: ["[[Bram]]", "[[Cara]]"]}
        - {type: append_field, field: seen_in, value: "${ note_named('Storm') }"}
        """,
    )
    assert trace.outcome == "succeeded"
    assert v.fields(ROAD)["characters"] == ["[[Alice]]", "[[Bram]]", "[[Cara]]"]
    assert v.fields(ROAD)["seen_in"] == ["[[Storm]]"]


async def test_an_action_that_changes_nothing_writes_nothing(v: Vault) -> None:
    trace = await run(v, '- {type: append_field, field: characters, value: "[[Alice]]"}')
    assert trace.outcome == "succeeded"
    assert step(trace)["result"] == {"note": ROAD, "changed": False}
    assert trace.changes == [] and trace.writes == []


async def test_add_tags_adds_to_the_frontmatter(v: Vault) -> None:
    trace = await run(v, "- {type: add_tags, tags: ['#review', 'mood:peaceful']}")
    assert trace.outcome == "succeeded"
    assert v.fields(ROAD)["tags"] == ["go", "mood:peaceful", "status:draft", "review"]
    assert trace.changes[0].summary == "add #review, #mood:peaceful"


async def test_remove_tags_removes_from_the_frontmatter_and_the_text(v: Vault) -> None:
    trace = await run(v, "- {type: remove_tags, tags: ['status:draft', '#draft-note']}")
    assert trace.outcome == "succeeded"
    assert v.fields(ROAD)["tags"] == ["go", "mood:peaceful"]
    assert "#draft-note" not in v.read(ROAD)
    assert "Alice walks to Ashwood." in v.read(ROAD)


async def test_replace_tags_renames_a_tag_wherever_it_is(v: Vault) -> None:
    trace = await run(
        v,
        """
        - {type: replace_tags, old: 'status:draft', new: 'status:revised'}
        - {type: replace_tags, old: draft-note, new: '#revision-note'}
        """,
    )
    assert trace.outcome == "succeeded"
    assert v.fields(ROAD)["tags"] == ["go", "mood:peaceful", "status:revised"]
    assert "#revision-note" in v.read(ROAD) and "#draft-note" not in v.read(ROAD)


async def test_tag_changes_are_indexed_after_the_write(v: Vault) -> None:
    head = await v.session.events.head()
    await run(v, "- {type: add_tags, tags: [review]}")
    _go, tagged = [e for e in await v.events(head) if e.type == "tag_changed"]
    assert tagged.actor == f"automation:{RULE_ID}"
    assert [t["name"] for t in tagged.data["added"]] == ["review"]


async def test_append_text_adds_a_line_at_the_end_of_the_note(v: Vault) -> None:
    trace = await run(v, "- {type: append_text, text: 'Seen by ${trigger.actor}'}")
    assert trace.outcome == "succeeded"
    assert v.read(ROAD).endswith("- an old note\nSeen by user\n")


async def test_append_text_under_a_heading_ends_that_section(v: Vault) -> None:
    trace = await run(
        v, "- {type: append_text, note: '[[Alice]]', heading: Development log, text: '- walked'}"
    )
    assert trace.outcome == "succeeded"
    assert "## Development log\n\n- met Bram\n- walked\n\n## Voice" in v.read(ALICE)
    assert trace.changes[0].path == ALICE


async def test_append_text_creates_a_missing_heading(v: Vault) -> None:
    trace = await run(v, "- {type: append_text, heading: Timeline, text: '- day one'}")
    assert trace.outcome == "succeeded"
    text = v.read(ROAD)
    assert text.index("- an old note") < text.index("## Timeline") < text.index("- day one")


async def test_link_appends_to_a_list_field_and_sets_a_single_one(v: Vault) -> None:
    trace = await run(
        v,
        """
        - {type: link, field: characters, to: Cara}
        - {type: link, field: location, to: '[[Storm]]'}
        """,
    )
    assert trace.outcome == "succeeded"
    fields = v.fields(ROAD)
    assert fields["characters"] == ["[[Alice]]", "[[Bram]]", "[[Cara]]"]
    assert fields["location"] == "[[Storm]]"
    assert step(trace)["result"]["to"] == "Characters/Cara.md"


async def test_link_to_a_missing_note_fails_the_run(v: Vault) -> None:
    trace = await run(v, "- {type: link, field: characters, to: Nobody}")
    assert trace.outcome == "failed"
    assert trace.error == "link: no note 'Nobody' to link to"


async def test_unlink_removes_one_link_or_every_link_of_a_field(v: Vault) -> None:
    trace = await run(
        v,
        """
        - {type: unlink, field: characters, to: '[[Alice]]'}
        - {type: unlink, field: music}
        - {type: unlink, field: characters, to: Cara}
        """,
    )
    assert trace.outcome == "succeeded"
    fields = v.fields(ROAD)
    assert fields["characters"] == ["[[Bram]]"] and "music" not in fields
    assert step(trace, 2)["result"] == {"note": ROAD, "changed": False}


async def test_unlinking_a_missing_note_removes_only_links_written_that_way(v: Vault) -> None:
    await v.change(ROAD, '"[[Bram]]"]', '"[[Bram]]", "[[Ghost|boo]]", plain]')
    trace = await run(
        v,
        """
        - {type: unlink, field: characters, to: Nobody}
        - {type: unlink, field: characters, to: "[[ghost]]"}
        """,
    )
    assert trace.outcome == "succeeded"
    assert step(trace, 0)["result"] == {"note": ROAD, "changed": False}
    assert v.fields(ROAD)["characters"] == ["[[Alice]]", "[[Bram]]", "plain"]


async def test_update_linked_codex_chooses_the_note_whose_tags_fit(v: Vault) -> None:
    trace = await run(
        v,
        """
        - type: update_linked_codex
          field: music
          target_type: music
          tags: ["mood:tense", loud]
          store_as: music
        - {type: notify, message: "${context.music.previous} -> ${context.music.selected_title}"}
        """,
    )
    assert trace.outcome == "succeeded"
    assert v.fields(ROAD)["music"] == "[[Drums]]"
    result = step(trace)["result"]
    assert result["previous"] == "Music/Forest.md" and result["selected"] == "Music/Drums.md"
    assert result["changed"] is True and result["candidates"] == 1
    assert [m.message for m in trace.messages] == ["Music/Forest.md -> Battle Drums"]


async def test_update_linked_codex_takes_the_first_candidate_where_holds(v: Vault) -> None:
    trace = await run(
        v,
        """
        - type: update_linked_codex
          field: music
          target_type: music
          tags: ["mood:tense"]
          where: "candidate.title == 'Wind Chimes'"
        """,
    )
    assert trace.outcome == "succeeded"
    assert v.fields(ROAD)["music"] == "[[Chimes]]"
    assert step(trace)["result"]["candidates"] == 2


async def test_update_linked_codex_keeps_the_link_when_nothing_fits(v: Vault) -> None:
    trace = await run(
        v,
        """
        - {type: update_linked_codex, field: music, target_type: music, tags: ["mood:joyful"]}
        - {type: notify, message: "${context.linked.selected} ${context.linked.changed}"}
        """,
    )
    assert trace.outcome == "succeeded"
    assert v.fields(ROAD)["music"] == "[[Forest]]"
    assert [m.message for m in trace.messages] == ["Music/Forest.md False"]


async def test_update_linked_codex_clears_the_field_when_told(v: Vault) -> None:
    trace = await run(
        v,
        "- {type: update_linked_codex, field: music, target_type: music, tags: [x], "
        "if_none: clear}",
    )
    assert trace.outcome == "succeeded"
    assert "music" not in v.fields(ROAD)
    assert step(trace)["result"]["selected"] is None


async def test_update_linked_codex_fails_the_run_when_told(v: Vault) -> None:
    trace = await run_unchanged(
        v,
        """
        - {type: set_field, field: order, value: 9}
        - {type: update_linked_codex, field: music, target_type: music, tags: [x], if_none: fail}
        """,
        ROAD,
    )
    assert trace.outcome == "failed"
    assert trace.error == "update_linked_codex: no note fits for music (of 0 candidates)"
    assert step(trace)["result"] == {"note": ROAD, "changed": True}  # planned, never written


async def test_update_linked_codex_chooses_among_graph_query_rows(v: Vault) -> None:
    trace = await run(
        v,
        """
        - type: update_linked_codex
          field: music
          query: "MATCH (m:Note)-[:HAS_TAG]->(:Tag {name: 'soft'}) RETURN m.path"
          target_type: music
        """,
    )
    assert trace.outcome == "succeeded", trace.error
    assert v.fields(ROAD)["music"] == "[[Chimes]]"


async def test_create_note_writes_a_new_note_with_fields_tags_and_body(v: Vault) -> None:
    trace = await run(
        v,
        """
        - type: create_note
          path: "Ideas/${note.name} idea"
          codex_type: idea
          fields: {from: "${note}", order: 1}
          tags: ["#idea"]
          body: "About ${note.link}."
          store_as: made
        - {type: notify, message: "${context.made}"}
        """,
    )
    assert trace.outcome == "succeeded", trace.error
    made = "Ideas/Road idea.md"
    assert v.fields(made) == {"type": "idea", "from": "[[Road]]", "order": 1, "tags": ["idea"]}
    assert v.read(made).rstrip().endswith("About [[Road]].")
    assert [(c.path, c.kind) for c in trace.changes] == [(made, "created")]
    assert [m.message for m in trace.messages] == [made]


async def test_create_note_leaves_an_existing_note_alone(v: Vault) -> None:
    before = v.read(STORM)
    trace = await run(v, "- {type: create_note, path: Scenes/Storm, body: replaced}")
    assert trace.outcome == "succeeded"
    assert step(trace)["result"] == {"path": STORM, "created": False}
    assert v.read(STORM) == before and trace.changes == []


async def test_create_note_outside_the_vault_is_refused(v: Vault, tmp_path: Path) -> None:
    trace = await run(v, "- {type: create_note, path: ../escaped, body: x}")
    assert trace.outcome == "failed"
    assert "is not inside the vault" in (trace.error or "")
    assert not (tmp_path / "escaped.md").exists()


async def test_create_task_goes_where_the_vaults_tasks_are(v: Vault) -> None:
    trace = await run(
        v,
        """
        - type: create_task
          title: "Check ${note.title}: pacing?"
          fields: {about: "${note}"}
          tags: [review]
          body: Read it aloud.
        """,
    )
    assert trace.outcome == "succeeded", trace.error
    made = "Work/Check The Road pacing.md"
    assert v.fields(made) == {
        "type": "task",
        "title": "Check The Road: pacing?",
        "status": "open",
        "about": "[[Road]]",
        "tags": ["review"],
    }
    assert trace.changes[0].kind == "created"


async def test_create_task_refuses_a_type_other_than_task(v: Vault) -> None:
    trace = await run(v, "- {type: create_task, title: Later, fields: {type: project}}")
    assert trace.outcome == "failed"
    assert trace.error == "create_task: a task's type is always task"
    assert not (v.root / "Work" / "Later.md").exists()


async def test_create_task_takes_a_folder_and_status(v: Vault) -> None:
    trace = await run(v, "- {type: create_task, title: Later, folder: Someday, status: doing}")
    assert trace.outcome == "succeeded"
    assert v.fields("Someday/Later.md")["status"] == "doing"


async def test_emit_event_appends_a_custom_event_caused_by_the_run(v: Vault) -> None:
    trace = await run(
        v,
        """
        - type: emit_event
          event: music_changed
          data: {scene: "${note.path}", mood: "${note.tag_value('mood')}", who: "${note}"}
        """,
    )
    assert trace.outcome == "succeeded"
    (emitted,) = [e for e in await v.events() if e.type.startswith("custom.")]
    assert emitted.type == "custom.vault.music_changed"
    assert emitted.subject == ROAD
    assert emitted.actor == f"automation:{RULE_ID}"
    assert emitted.causationid == trace.run
    assert emitted.correlationid == trace.event.correlationid
    assert emitted.data == {"values": {"scene": ROAD, "mood": "peaceful", "who": ROAD}}
    assert trace.emitted == [{"id": emitted.id, "type": "custom.vault.music_changed"}]


async def test_a_custom_event_starts_the_rules_listening_for_it(v: Vault) -> None:
    v.rules(rule("- {type: emit_event, event: music_changed, subject: '[[Alice]]', data: {n: 2}}"))
    v.rules(
        "name: Heard\ntrigger: {event: music_changed, actors: 'automation:*'}\n"
        "actions: [{type: notify, message: '${trigger.type} ${trigger.values.n} ${note.name}'}]\n",
        "listener.yaml",
    )
    first = await v.go()
    (emitted,) = [e for e in await v.events() if e.id == first.emitted[0]["id"]]
    (heard,) = await v.engine.handle(emitted)
    assert heard.rule == "listener" and heard.outcome == "succeeded", heard.error
    assert [m.message for m in heard.messages] == ["music_changed 2 Alice"]
    assert heard.event.correlationid == first.event.correlationid


async def test_notify_messages_are_in_the_trace(v: Vault) -> None:
    trace = await run(
        v,
        """
        - {type: notify, message: "${note.title} is ${note.tag_value('mood')}"}
        - {type: notify, message: careful, level: warning}
        """,
    )
    assert [(m.message, m.level) for m in trace.messages] == [
        ("The Road is peaceful", "info"),
        ("careful", "warning"),
    ]
    assert trace.changes == []


async def test_query_finds_notes_by_type_and_tag(v: Vault) -> None:
    trace = await run(
        v,
        """
        - {type: query, store_as: found, codex_type: music, tag: "mood:tense"}
        - {type: notify, message: "${ context.found | map(attribute='title') | join(', ') }"}
        """,
    )
    assert [m.message for m in trace.messages] == ["Wind Chimes, Battle Drums"]  # by path
    assert step(trace)["result"] == {"count": 2, "items": ["Music/Chimes.md", "Music/Drums.md"]}


async def test_query_follows_links_and_backlinks(v: Vault) -> None:
    trace = await run(
        v,
        """
        - {type: query, store_as: cast, linked_from: "${note.path}", linked_field: characters}
        - {type: query, store_as: scenes, backlinks_of: "[[Alice]]"}
        - {type: query, store_as: by_field, backlinks_of: "[[Alice]]", linked_field: characters}
        - {type: query, store_as: folder, folder: Characters}
        """,
    )
    assert trace.outcome == "succeeded"
    assert step(trace, 0)["result"]["items"] == [ALICE, BRAM]
    assert step(trace, 1)["result"]["items"] == [ROAD, STORM]
    assert step(trace, 2)["result"]["items"] == [ROAD, STORM]
    assert step(trace, 3)["result"]["items"] == [ALICE, BRAM, "Characters/Cara.md"]


async def test_query_runs_a_read_only_graph_query_with_values(v: Vault) -> None:
    trace = await run(
        v,
        """
        - type: query
          store_as: cast
          graph: >-
            MATCH (s:Note)-[:FIELD_LINK]->(c:Note)
            WHERE s.path = $scene AND c.type = 'character'
            RETURN c.path ORDER BY c.path
          values: {scene: "${note.path}"}
        - {type: notify, message: "${ context.cast | join('+') }"}
        """,
    )
    assert trace.outcome == "succeeded", trace.error
    assert [m.message for m in trace.messages] == [f"{ALICE}+{BRAM}"]


async def test_a_graph_query_that_writes_is_refused(v: Vault) -> None:
    trace = await run(
        v,
        """
        - type: query
          store_as: x
          graph: "CREATE (n:Note {path: 'Evil.md', title: 'x', type: 'x'}) RETURN n.path"
        """,
    )
    assert trace.outcome == "failed"
    assert "a rule's graph query may only read" in (trace.error or "")
    rows = v.session.graph.read("MATCH (n:Note) WHERE n.path = 'Evil.md' RETURN n.path", {})
    assert rows == []


async def test_a_graph_query_the_graph_rejects_fails_only_its_run(v: Vault) -> None:
    v.rules(rule("- {type: query, store_as: x, graph: 'MATCH (n:Nope) RETURN n'}"))
    v.rules(
        "name: After\ntrigger: {event: tag_changed, tags: go}\n"
        "actions: [{type: notify, message: still here}]\n",
        "after.yaml",
    )
    traces = await v.engine.handle(await v.tag_go())
    outcomes = {t.rule: (t.outcome, t.error) for t in traces}
    assert outcomes == {
        "after": ("succeeded", None),
        RULE_ID: (
            "failed",
            "query: the graph query failed: Binder exception: Table Nope does not exist.",
        ),
    }


async def test_context_keys_named_like_mapping_methods_are_the_stored_values(v: Vault) -> None:
    trace = await run(
        v,
        """
        - {type: query, store_as: items, codex_type: music}
        - {type: query, store_as: values, codex_type: character}
        - {type: notify, message: "${ context.items | length } ${ context.values | length }"}
        """,
    )
    assert [m.message for m in trace.messages] == ["3 3"]


async def test_for_each_runs_nested_actions_once_per_item(v: Vault) -> None:
    trace = await run(
        v,
        """
        - type: for_each
          items: "${ linked(note, 'characters') }"
          as: character
          actions:
            - type: append_text
              note: "${character.path}"
              text: "- ${loop_index}: in ${note.title}"
            - {type: set_field, note: "${character.path}", field: last_seen, value: "${note}"}
        """,
    )
    assert trace.outcome == "succeeded", trace.error
    assert v.read(ALICE).endswith("Short-spoken.\n- 0: in The Road\n")
    assert v.read(BRAM).endswith("# Bram\n- 1: in The Road\n")
    assert v.fields(BRAM)["last_seen"] == "[[Road]]"
    assert [c.path for c in trace.changes] == [ALICE, BRAM]
    outer = step(trace)
    assert outer["result"] == {"items": 2}
    assert [s["action"] for s in outer["steps"]] == ["append_text", "set_field"] * 2


async def test_when_skips_an_action_whose_expression_is_false(v: Vault) -> None:
    trace = await run(
        v,
        """
        - {type: set_field, field: a, value: 1, when: "note.fields.order > 5", label: big}
        - {type: set_field, field: b, value: 2, when: "note.fields.order < 5"}
        """,
    )
    assert trace.outcome == "succeeded"
    assert "a" not in v.fields(ROAD) and v.fields(ROAD)["b"] == 2
    assert step(trace, 0)["skipped"] == "when: note.fields.order > 5"
    assert step(trace, 0)["label"] == "big" and "result" not in step(trace, 0)
    assert "skipped" not in step(trace, 1)


async def test_continue_on_error_goes_on_and_makes_the_run_partial(v: Vault) -> None:
    trace = await run(
        v,
        """
        - {type: set_field, note: "[[Nobody]]", field: a, value: 1, continue_on_error: true}
        - {type: set_field, field: b, value: 2}
        """,
    )
    assert trace.outcome == "partial"
    assert trace.error is None
    assert step(trace, 0)["error"] == "no note '[[Nobody]]' in the vault"
    assert v.fields(ROAD)["b"] == 2


async def test_a_failing_action_fails_the_run_and_writes_nothing(v: Vault) -> None:
    head = await v.session.events.head()
    trace = await run_unchanged(
        v,
        """
        - {type: set_field, field: a, value: 1}
        - {type: append_text, note: "[[Alice]]", text: hello}
        - {type: emit_event, event: never_sent}
        - {type: set_field, note: "[[Nobody]]", field: b, value: 2, label: the missing one}
        - {type: notify, message: never}
        """,
        ROAD,
        ALICE,
    )
    assert trace.outcome == "failed"
    assert trace.error == "the missing one: no note '[[Nobody]]' in the vault"
    assert step(trace, 3)["error"] == "no note '[[Nobody]]' in the vault"
    assert trace.messages == [] and trace.emitted == []
    assert [e.type for e in await v.events(head)] == [
        "content_updated",
        "tag_changed",
    ]  # the go tag
    assert len(trace.actions) == 4  # the last was never planned


async def test_a_template_reaching_python_internals_fails_the_run(v: Vault) -> None:
    trace = await run_unchanged(
        v, '- {type: set_field, field: x, value: "${ note.__class__.__mro__ }"}', ROAD
    )
    assert trace.outcome == "failed"
    assert "Not allowed in a template" in (trace.error or "")
    assert "__class__" in (trace.error or "")


async def test_an_undefined_name_in_a_template_fails_the_run(v: Vault) -> None:
    trace = await run(v, '- {type: notify, message: "${ nothing_here }"}')
    assert trace.outcome == "failed"
    assert "Undefined value" in (trace.error or "") and "nothing_here" in (trace.error or "")
