from bot.nlu.entity_overlaps import longest_per_span


def phone(start: int, end: int, value: str) -> dict[str, object]:
    return {"entity": "phone", "start": start, "end": end, "value": value}


def test_a_piece_of_a_longer_phone_is_dropped() -> None:
    whole, piece = phone(2, 15, "150 1234 5678"), phone(6, 15, "1234 5678")
    assert longest_per_span([piece, whole]) == [whole]


def test_two_extractors_agreeing_on_one_span_keep_one_entity_each_and_other_types_stay() -> None:
    crf, regex = phone(0, 11, "13912345678"), phone(0, 11, "13912345678")
    person = {"entity": "person", "start": 12, "end": 14, "value": "王敏"}
    assert longest_per_span([crf, regex, person]) == [crf, regex, person]


def test_two_separate_phones_are_both_kept() -> None:
    first, second = phone(0, 11, "13912345678"), phone(12, 23, "13798765432")
    assert longest_per_span([first, second]) == [first, second]
