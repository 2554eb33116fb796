from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Outings")


def listing_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("list")


def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("detail")
