"""Database expressions for the readiness rules, so that the per-link work runs in the query."""

from django.db.models import DateField, Func


class AddMonths(Func):
    """`date + months`, clipped to the last day of the month like dateutil's relativedelta
    (31 January + 1 month = 28 or 29 February); NULL when either side is NULL."""

    arity = 2
    output_field = DateField()

    def _parts(self, compiler):
        day_sql, day_params = compiler.compile(self.source_expressions[0])
        months_sql, months_params = compiler.compile(self.source_expressions[1])
        return day_sql, list(day_params), months_sql, list(months_params)

    def as_postgresql(self, compiler, connection, **extra):
        day, day_params, months, months_params = self._parts(compiler)
        return (f"(({day}) + make_interval(months => ({months})::integer))::date",
                day_params + months_params)

    def as_sqlite(self, compiler, connection, **extra):
        # First day of the target month plus the original day, clipped to that month's end.
        day, day_params, months, months_params = self._parts(compiler)
        sql = (
            f"MIN(date({day}, 'start of month', '+' || ({months}) || ' months', "
            f"'+' || (CAST(strftime('%%d', {day}) AS INTEGER) - 1) || ' days'), "
            f"date({day}, 'start of month', '+' || (({months}) + 1) || ' months', '-1 day'))"
        )
        return sql, day_params + months_params + day_params + day_params + months_params

    def as_sql(self, compiler, connection, **extra):  # pragma: no cover - other databases
        raise NotImplementedError(f"AddMonths is not written for {connection.vendor}")
