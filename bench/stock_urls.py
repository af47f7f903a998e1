"""URLs that mount viewflow's stock inbox beside ours, for the side-by-side benchmark (never in production)."""

from django.urls import path
from viewflow.urls import Site
from viewflow.workflow.flow import FlowAppViewset

from config.urls import urlpatterns as project_urls
from workflows.flows import EstablishmentFlow

site = Site(title="cellflow (stock viewflow)", viewsets=[FlowAppViewset(EstablishmentFlow, icon="assignment")])

urlpatterns = [path("stock/", site.urls), *project_urls]
