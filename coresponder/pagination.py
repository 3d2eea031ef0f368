from rest_framework import pagination, serializers


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`, at most 500 rows a page; a page size that is not a whole number
    from 1 to 500 is a 400, not silently the default."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise serializers.ValidationError({"page_size": [f"A whole number from 1 to {self.max_page_size}."]})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters
