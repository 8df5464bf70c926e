"""A headless Chromium driven by Selenium, as a Horizon user's browser:
Debian's chromium and chromium-driver (host packages), nothing fetched
at run time (the driver's path is given, so Selenium's manager never
runs). Each step can leave a screenshot in ``artefacts``."""

import os
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMIUM = '/usr/bin/chromium'
DRIVER = '/usr/bin/chromedriver'
# What Horizon's error pages say (horizon/templates/500.html, 404.html)
SERVER_ERRORS = ('Something went wrong', 'Server Error', 'Page Not Found',
                 'Internal Server Error')


class BrowserError(AssertionError):
    pass


class Browser:
    def __init__(self, artefacts, timeout=30):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ('--headless=new', '--no-sandbox', '--disable-gpu',
                         '--disable-dev-shm-usage', '--window-size=1400,1000',
                         '--lang=en-US'):
            options.add_argument(argument)
        self.driver = webdriver.Chrome(service=Service(DRIVER),
                                       options=options)
        self.driver.set_page_load_timeout(timeout)
        self.timeout = timeout
        self.artefacts = artefacts
        os.makedirs(artefacts, exist_ok=True)

    def close(self):
        self.driver.quit()

    def shot(self, name):
        """A screenshot of the page as it is, kept as a test artefact."""
        path = os.path.join(self.artefacts, name + '.png')
        self.driver.save_screenshot(path)
        return path

    def open(self, url):
        self.driver.get(url)
        return self.driver.page_source

    def text(self):
        return self.driver.find_element(By.TAG_NAME, 'body').text

    def error_shown(self):
        """What an error page of Horizon says, or None."""
        title = self.driver.title or ''
        body = self.text()
        for sign in SERVER_ERRORS:
            if sign in title or sign in body[:500]:
                return sign
        return None

    def wait_for(self, check, what, timeout=None):
        """``check()`` true within the timeout, else an error with a
        screenshot; returns what ``check`` returned."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            try:
                found = check()
            except WebDriverException:
                found = None
            if found:
                return found
            if time.monotonic() > deadline:
                shot = self.shot('timeout-' + ''.join(
                    c if c.isalnum() else '-' for c in what)[:40])
                raise BrowserError('{} not seen within {} s (see {})'
                                   .format(what, timeout or self.timeout,
                                           shot))
            time.sleep(0.5)

    def fill(self, field_id, value):
        field = self.driver.find_element(By.ID, field_id)
        field.clear()
        field.send_keys(value)

    def click(self, css):
        self.driver.find_element(By.CSS_SELECTOR, css).click()
