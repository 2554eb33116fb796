from django.apps import AppConfig
from django.core.signals import request_finished, request_started


class CommonConfig(AppConfig):
    name = "outings.common"
    label = "common"

    def ready(self) -> None:
        from outings.common import release, requestid

        request_started.connect(requestid.begin, dispatch_uid="outings.requestid.begin")
        request_finished.connect(requestid.end, dispatch_uid="outings.requestid.end")
        release.start()  # once per process: every cached page reads it
