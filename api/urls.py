from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import analysis, datapackage, giving, tokens, views

app_name = "api"

router = DefaultRouter()
router.include_root_view = False
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("funds", views.FundViewSet, basename="fund")
router.register("allocations", views.AllocationViewSet, basename="allocation")
router.register("runs", views.RunViewSet, basename="run")
router.register(
    "removed-allocations", views.AllocationRemovalViewSet, basename="allocation-removal"
)
router.register("spending", views.SpendingViewSet, basename="spending")
router.register("tokens", tokens.TokenViewSet, basename="token")

urlpatterns = [
    path("", views.RootView.as_view(), name="root"),
    path("performance/", analysis.PerformanceView.as_view(), name="performance"),
    path("performance/league/", analysis.LeagueView.as_view(), name="league"),
    path("performance/spc/", analysis.SpcView.as_view(), name="spc"),
    path("performance/funnel/", analysis.FunnelView.as_view(), name="funnel"),
    path("performance/monthly/", analysis.MonthlySeriesView.as_view(), name="monthly"),
    path("export/360giving/", giving.Giving360View.as_view(), name="export-360giving"),
    path("datapackage.json", datapackage.DataPackageView.as_view(), name="datapackage"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file of its own (`?script`),
    # which our content security policy (scripts from our own origin only) lets run.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
