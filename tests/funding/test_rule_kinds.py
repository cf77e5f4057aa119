"""The registry of rule kinds is the one home of a kind: everything else agrees with it."""

from unittest import TestCase

import pytest

from funding import rules, services
from funding.forms import field_name, parameter_fields
from funding.models import AllocationRule, Fund, Scenario
from trusts.models import Organisation


class RuleKindRegistryTests(TestCase):
    def test_the_models_offer_exactly_the_registered_kinds(self):
        registered = [(kind.key, kind.label) for kind in rules.RULE_KINDS]
        for model in (AllocationRule, Scenario):
            with self.subTest(model=model.__name__):
                self.assertEqual(list(model._meta.get_field("kind").choices), registered)
        self.assertEqual(AllocationRule.Kind.choices, registered)
        self.assertEqual(AllocationRule.Kind.WORST_N, "worst_n")

    def test_the_rules_words_name_every_kind_of_organisation(self):
        self.assertEqual(set(rules.KIND_NOUNS), set(Organisation.Kind.values))

    def test_each_kind_is_filed_under_its_own_key_once(self):
        self.assertEqual(list(rules.KINDS), [kind.key for kind in rules.RULE_KINDS])
        self.assertEqual(len(rules.KINDS), len(rules.RULE_KINDS))

    def test_every_kind_has_a_label_a_description_and_a_schema_that_holds_its_requirements(self):
        for kind in rules.RULE_KINDS:
            with self.subTest(kind=kind.key):
                self.assertTrue(kind.label)
                self.assertGreater(len(kind.description.split()), 8, "say what it does")
                self.assertTrue(kind.description.endswith("."))
                self.assertLessEqual(kind.requires, set(kind.accepts))
                self.assertTrue(all(callable(check) for check in kind.accepts.values()))
                self.assertTrue(kind.reads, "say what it reads")

    def test_only_a_kind_that_reads_a_published_list_computes_nothing(self):
        for kind in rules.RULE_KINDS:
            with self.subTest(kind=kind.key):
                self.assertEqual(kind.compute is None, kind.reads == {rules.PUBLISHED})

    def test_what_one_rule_reads_is_among_what_its_kind_may_read(self):
        choices = {
            "metric": rules.PRO_RATA_METRICS,
            "share": ("equal", "attendances", "breaches", "population"),
        }
        for kind in rules.RULE_KINDS:
            for name in set(choices) & set(kind.accepts):
                for value in choices[name]:
                    with self.subTest(kind=kind.key, **{name: value}):
                        self.assertTrue(kind.inputs({name: value}))
                        self.assertLessEqual(kind.inputs({name: value}), kind.reads)

    def test_the_admin_form_has_a_field_for_every_parameter_of_every_kind(self):
        fields = parameter_fields()
        expected = {
            field_name(kind.key, name) for kind in rules.RULE_KINDS for name in kind.accepts
        }
        self.assertEqual(set(fields), expected)
        for kind in rules.RULE_KINDS:
            for name in kind.accepts:
                with self.subTest(kind=kind.key, parameter=name):
                    required = name in kind.requires
                    self.assertIn(
                        "Required." if required else "Optional.",
                        fields[field_name(kind.key, name)].help_text,
                    )

    def test_a_kind_that_is_not_registered_is_refused_by_name(self):
        with self.assertRaises(rules.ParameterError) as caught:
            rules.validate_parameters("lottery", {})
        self.assertEqual(
            caught.exception.errors,
            {"kind": f"'lottery' is not one of {', '.join(rules.KINDS)}"},
        )
        with self.assertRaisesRegex(rules.RuleError, "computes nothing"):
            rules.shares("fixed", [], {})

    def test_a_kind_computes_through_the_registry_as_its_function_does(self):
        candidates = [
            rules.Candidate("00A", population=3),
            rules.Candidate("00B", population=1),
        ]
        parameters = {"rate": "2.00", "cap": "4.00"}
        self.assertEqual(
            rules.shares("per_capita", candidates, parameters),
            rules.per_capita(candidates, rate_pence=200, cap_pence=400),
        )
        self.assertEqual(
            [share.amount_pence for share in rules.shares("per_capita", candidates, parameters)],
            [300, 100],  # 6 + 2 asked for, scaled to the 4 pounds cap: 3 and 1
        )


@pytest.mark.django_db
@pytest.mark.usefixtures("real_data")
@pytest.mark.parametrize(
    ("category", "kinds"),
    [
        ("ae", {"worst_n", "complement", "pro_rata"}),
        ("orgs", {"per_capita", "top_slice", "pro_rata", "complement"}),
    ],
)
def test_an_import_recomputes_the_funds_whose_rule_kinds_read_it(winter, category, kinds):
    expected = {
        fund.pk
        for fund in Fund.objects.filter(rule__kind__in=kinds).exclude(status=Fund.Status.WITHDRAWN)
    }
    assert expected  # the seed funds have rules of these kinds
    runs = services.funds_reading_recompute(categories={category}, triggered_by="an import")
    assert {run.fund_id for run in runs} == expected
