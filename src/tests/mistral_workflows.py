"""Workflows the functional tests run, with the outputs they must give.

Kept apart from the test classes so that the definitions can be checked
offline against Mistral's own DSL parser, without a model.  Only
std.* actions are used: they ship with Mistral itself, whereas the
OpenStack actions need mistral-extra, which not every archive carries.
"""

ECHO_WORKFLOW = 'zaza_echo'
FAN_OUT_WORKFLOW = 'zaza_fan_out'
CRON_WORKFLOW = 'zaza_cron_tick'

ECHO_DEFINITION = """\
version: '2.0'
zaza_echo:
  input:
    - greeting
  output:
    said: <% $.said %>
  tasks:
    say:
      action: std.echo
      input:
        output: <% $.greeting %>
      publish:
        said: <% task().result %>
"""
ECHO_INPUT = {'greeting': 'hello from zaza'}
ECHO_OUTPUT = {'said': 'hello from zaza'}

# Two start tasks run in parallel: one iterates with with-items, the other
# echoes a marker; a join waits for both and sees what each published.
FAN_OUT_DEFINITION = """\
version: '2.0'
zaza_fan_out:
  input:
    - names
  output:
    greetings: <% $.greetings %>
    marker: <% $.marker %>
    count: <% $.count %>
  tasks:
    greet:
      with-items: name in <% $.names %>
      action: std.echo
      input:
        output: hello <% $.name %>
      publish:
        greetings: <% task().result %>
      on-success:
        - combine
    mark:
      action: std.echo
      input:
        output: marked
      publish:
        marker: <% task().result %>
      on-success:
        - combine
    combine:
      join: all
      action: std.echo
      input:
        output: <% len($.greetings) %>
      publish:
        count: <% task().result %>
"""
FAN_OUT_INPUT = {'names': ['ada', 'bob', 'cy']}
FAN_OUT_OUTPUT = {
    'greetings': ['hello ada', 'hello bob', 'hello cy'],
    'marker': 'marked',
    'count': 3,
}

CRON_DEFINITION = """\
version: '2.0'
zaza_cron_tick:
  tasks:
    tick:
      action: std.noop
"""
CRON_PATTERN = '* * * * *'

ALL_DEFINITIONS = {
    ECHO_WORKFLOW: ECHO_DEFINITION,
    FAN_OUT_WORKFLOW: FAN_OUT_DEFINITION,
    CRON_WORKFLOW: CRON_DEFINITION,
}
