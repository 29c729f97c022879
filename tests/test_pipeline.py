from storyline.model import RawDoc, Reject
from storyline.pipeline import DocStage, Stats, chain


class Upper(DocStage[RawDoc, RawDoc]):
    name = "upper"

    def process(self, doc: RawDoc) -> RawDoc | Reject:
        if doc.content == "boom":
            raise ValueError("exploded")
        if not doc.content:
            return Reject(source_path="p", reason="empty", stage=self.name)
        doc.content = doc.content.upper()
        return doc


def _doc(i: int, content: str) -> RawDoc:
    return RawDoc(id=str(i), source_id=str(i), fmt="text", content=content, provenance={"path": f"/f{i}", "record": i})


def test_docstage_counts_keeps_drops_and_contains_exceptions():
    stats = Stats()
    pre = Reject(source_path="/already", reason="binary")
    out = list(chain([_doc(0, "a"), _doc(1, ""), _doc(2, "boom"), pre], [Upper()], stats))
    assert out[0].content == "A"
    assert isinstance(out[1], Reject) and out[1].reason == "empty"
    assert isinstance(out[2], Reject) and out[2].reason == "internal_error"
    assert "ValueError: exploded" in out[2].detail and out[2].record == 2 and out[2].doc_id == "2"
    assert out[3] is pre  # rejects from earlier stages pass through untouched
    assert stats.as_dict()["upper"] == {
        "in": 3, "kept": 1, "dropped": 2, "dropped:empty": 1, "dropped:internal_error": 1,
    }


def test_stats_merge():
    a, b = Stats(), Stats()
    a.inc("x", "kept", 2)
    b.inc("x", "kept", 3)
    b.drop("y", "empty")
    a.merge(b)
    assert a.get("x", "kept") == 5 and a.get("y", "dropped:empty") == 1
