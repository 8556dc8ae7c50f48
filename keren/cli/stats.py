"""`flask stats`: the monthly roll-up behind the dashboard, for a scheduler or by hand."""
import click

from keren.services import stats

group = click.Group("stats", help="Programme figures (the monthly roll-up).")


@group.command("rollup")
@click.option("--months", default=13, show_default=True,
              help="How many months back from the current one to recompute.")
def rollup(months):
    """Recompute the roll-up of the last MONTHS months, settled or not."""
    last = stats.current_month()
    wanted = stats.months_between(stats.add_months(last, -(months - 1)), last)
    done = stats.refresh_months(wanted)
    click.echo(f"Recomputed {done} of {len(wanted)} month(s), "
               f"{wanted[0]:%Y-%m} to {wanted[-1]:%Y-%m}.")
    if done < len(wanted):
        raise click.ClickException("Some months could not be written (see the log); run again.")
