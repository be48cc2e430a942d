<?php
// bcrypt with the fewest rounds it takes (Laravel's own test set-up uses 4): a login costs milliseconds.
return [
    'driver' => 'bcrypt',
    'bcrypt' => ['rounds' => 4],
];
